#!/usr/bin/env bash
# Installs the tarball `projen build` packed (dist/js) into a fresh folder with only the peer
# dependencies at our floor, synthesizes a plain-JavaScript app of every construct, and runs the
# latency probe's bin: what a consumer meets, without our devDependencies or build tools.
set -euo pipefail
cd "$(dirname "$0")/.."
tarball=$(ls dist/js/cdk-serverless-patterns@*.jsii.tgz)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp .ci/consumer-app.js "$dir/app.js"
cd "$dir"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$OLDPWD/$tarball" aws-cdk-lib@2.257.0 constructs@10 >/dev/null
CDK_OUTDIR="$dir/cdk.out" node app.js
npx --no-install cdk-serverless-patterns probe --help >/dev/null
echo "consumer smoke test: the probe bin runs from the installed package"
