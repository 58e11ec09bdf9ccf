#!/usr/bin/python3
"""Local stand-in for the two Google endpoints mod_dashboard calls.

  POST /token       Google OAuth 2.0 refresh (oauth2.googleapis.com/token)
  GET  /v2/reports  YouTube Analytics reports.query
                    (youtubeanalytics.googleapis.com/v2/reports)
  /_control/...     JSON control interface for tests (faults, delays,
                    counters, request log)

It speaks Google's wire formats and rejects requests as strictly as Google
does: the comments in its modules name the rule of Google's published
reference each check follows (reports.query parameters, filters, month
rules, top videos, demographics, resultTable, error answers, data latency,
OAuth refresh, dimension values). Report data is
synthetic but deterministic: a pure function of (channel, video id, day).

This file is the entry point: the HTTP server, the request handler's
plumbing and dispatch. The rest is in the modules beside it, imported from
this file's folder: standin_reports.py (reports.query), standin_token.py
(the token endpoint), standin_faults.py (faults and how they answer),
standin_control.py (/_control), standin_state.py (what the handlers
share), standin_data.py (the synthetic data), standin_errors.py (Google's
error answers).

Python 3 standard library only.

  /usr/bin/python3 t/standin/google_standin.py --port N [--host 127.0.0.1]
      [--client-id ID --client-secret S] [--seed FILE] [--log FILE]
"""

import argparse
import http.server
import json
import signal
import socket
import sys
import threading
import time
import urllib.parse

from standin_control import ControlMixin
from standin_errors import JSON_TYPE, google_error_body
from standin_faults import FaultsMixin
from standin_reports import ReportsMixin
from standin_state import State
from standin_token import TokenMixin


MAX_BODY = 1 << 20


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

class Handler(TokenMixin, ReportsMixin, FaultsMixin, ControlMixin,
              http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ESF"                  # Google front end's Server header
    sys_version = ""

    def version_string(self):
        return self.server_version

    # -- plumbing -----------------------------------------------------------

    @property
    def state(self):
        return self.server.state

    def log_message(self, fmt, *args):
        self.server.write_log("%s %s" % (self.address_string(), fmt % args))

    def read_body(self):
        """The request body (Content-Length or chunked); b"" if none."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    break
                size += n
                if size > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(n))
                self.rfile.readline(1024)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        n = int(length)
        if n < 0 or n > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(n)

    def send(self, status, body, content_type=JSON_TYPE, headers=()):
        """One complete answer with a correct Content-Length."""
        if not isinstance(body, bytes):
            body = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            # The client went away (e.g. it timed out during a delay).
            self.close_connection = True
        return status

    def send_json(self, status, obj, pretty=False, headers=()):
        # Google's endpoints pretty-print their JSON with two spaces.
        text = json.dumps(obj, indent=2 if pretty else None,
                          ensure_ascii=False)
        return self.send(status, text + ("\n" if pretty else ""),
                         headers=headers)

    def drop(self):
        """Close the connection without an answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return 0

    # -- dispatch -----------------------------------------------------------

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send_json(400, {"error": "bad request body"})
            return
        if path == "/v2/reports":
            if self.command in ("GET", "HEAD"):
                self.reports(url.query)
            else:
                self.send_json(405, google_error_body(
                    405, "httpMethodNotAllowed", "Method Not Allowed"), True,
                    headers=[("Allow", "GET")])
        elif path == "/token":
            if self.command == "POST":
                self.token(body)
            else:
                self.send_json(405, {"error": "invalid_request",
                                     "error_description":
                                         "Method not allowed."}, True,
                               headers=[("Allow", "POST")])
        elif path.startswith("/_control/"):
            self.control(path[len("/_control/"):], body)
        else:
            self.send_json(404, google_error_body(404, "notFound",
                                                  "Not Found"), True)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = \
        do_OPTIONS = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, addr, state, log_path):
        self.state = state
        self._log = open(log_path, "a", encoding="utf-8") if log_path else None
        self._log_lock = threading.Lock()
        super().__init__(addr, Handler)

    def write_log(self, line):
        if self._log is None:
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with self._log_lock:
            self._log.write(f"[{stamp}] {line}\n")
            self._log.flush()

    def handle_error(self, request, client_address):
        # Quiet unless --log: a test harness should not see tracebacks on
        # stderr for a client that hung up.
        import traceback
        self.write_log("error serving %s:\n%s" % (client_address,
                                                 traceback.format_exc()))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--client-id")
    ap.add_argument("--client-secret")
    ap.add_argument("--seed")
    ap.add_argument("--log")
    args = ap.parse_args(argv)
    if (args.client_id is None) != (args.client_secret is None):
        ap.error("--client-id and --client-secret go together")

    state = State()
    if args.seed:
        state.load_seed(args.seed)
    if args.client_id is not None:
        state.client = (args.client_id, args.client_secret)
    state.reset()                         # apply the seed's channel options

    server = Server((args.host, args.port), state, args.log)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    server.write_log(f"listening on {host}:{port}")
    print(f"google_standin listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
