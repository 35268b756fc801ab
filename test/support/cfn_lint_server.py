"""A long-lived cfn-lint for the test suite.

Starting cfn-lint costs seconds (Python start-up and loading the resource schemas); linting one
template afterwards costs milliseconds. Jest's global setup starts this server once, and every test
posts the templates it synthesized, so each test gets its own cfn-lint verdict at batch cost.

Protocol: POST / with a JSON template body; the answer is a JSON list of matches
({rule, level, message, path}). The first line printed on stdout is the port.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from cfnlint.api import ManualArgs, lint

# Lint against the regions our users deploy to most; resource availability differs per region.
CONFIG = ManualArgs(regions=["us-east-1"])


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
        try:
            matches = [
                {
                    "rule": m.rule.id,
                    "level": m.rule.severity,
                    "message": m.message,
                    "path": "/".join(str(p) for p in (m.path or [])),
                }
                for m in lint(body, config=CONFIG)
            ]
            payload, status = json.dumps(matches).encode("utf-8"), 200
        except Exception as err:  # report, never hide: the test fails on a 500
            payload, status = json.dumps({"error": repr(err)}).encode("utf-8"), 500
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = HTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    # Warm the schemas so the first test does not pay for them.
    lint('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}', config=CONFIG)
    print("ready", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
