"""A webhook receiver that verifies every delivery with the Standard Webhooks
reference library (PyPI `standardwebhooks`), as an HR platform would.

Usage: webhook_receiver.py SECRET FAIL_FIRST LOG

Prints the port it listens on (127.0.0.1), then answers each POST: 400 when the
signature does not verify, 503 for the first FAIL_FIRST verified deliveries (a
platform having a bad minute), 204 after. Each delivery is a JSON line in LOG:
{"n", "verified", "id", "payload", "error"}.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

secret, fail_first, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
webhook = Webhook(secret)
verified_count = 0
count = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global count, verified_count
        count += 1
        body = self.rfile.read(int(self.headers["content-length"]))
        try:
            payload, error = webhook.verify(body, dict(self.headers.items())), None
        except Exception as problem:  # the library's verification errors
            payload, error = None, f"{type(problem).__name__}: {problem}"
        if error is None:
            verified_count += 1
            status = 503 if verified_count <= fail_first else 204
        else:
            status = 400
        with open(log_path, "a") as log:
            log.write(
                json.dumps(
                    {
                        "n": count,
                        "verified": error is None,
                        "id": self.headers.get("webhook-id"),
                        "payload": payload,
                        "error": error,
                    }
                )
                + "\n"
            )
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_port, flush=True)
server.serve_forever()
