"""Faults set through /_control/fault: which requests they match, and the
answer they give instead (an error, a delay, a dropped connection, a
body streamed slowly).
"""

import time

from standin_errors import (FAULT_DEFAULTS, JSON_TYPE, NO_STORE, OAUTH_DEFAULTS,
                            QUOTA_MESSAGE, google_error_body)


class Fault:
    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("fault must be an object")
        self.target = spec.get("target")
        if self.target not in ("reports", "token"):
            raise ValueError('target must be "reports" or "token"')
        default_status = 500 if self.target == "reports" else 400
        self.status = int_field(spec, "status", default_status, 100, 599)
        self.reason = opt_str(spec, "reason")
        self.message = opt_str(spec, "message")
        self.body = opt_str(spec, "body")
        self.content_type = opt_str(spec, "content_type") or JSON_TYPE
        self.delay_ms = int_field(spec, "delay_ms", 0, 0, 3600 * 1000)
        self.drop = bool(spec.get("drop", False))
        # A body sent slowly: stream_bytes of it (announced in
        # Content-Length, or chunked with stream_chunked) in pieces of
        # stream_piece bytes, stream_every_ms apart; the connection is
        # closed when the client stops reading.
        self.stream_bytes = int_field(spec, "stream_bytes", 0, 0, 1 << 34)
        self.stream_piece = int_field(spec, "stream_piece", 16384, 1, 1 << 24)
        self.stream_every_ms = int_field(spec, "stream_every_ms", 10, 0,
                                         3600 * 1000)
        self.stream_chunked = bool(spec.get("stream_chunked", False))
        # With stream_valid the streamed body is a well-formed resultTable
        # (one row per ~20 bytes) instead of one that never ends in time.
        self.stream_valid = bool(spec.get("stream_valid", False))
        times = spec.get("times")
        self.times = None if times is None else int_field(spec, "times",
                                                          None, 1, 10 ** 9)
        match = spec.get("match") or {}
        if not isinstance(match, dict) or not all(
                isinstance(v, str) for v in match.values()):
            raise ValueError("match must map parameter names to strings")
        self.match = match

    def matches(self, target, params):
        if target != self.target:
            return False
        for name, want in self.match.items():
            got = params.get(name, "")
            if isinstance(got, list):
                got = ",".join(got)
            if got != want:
                return False
        return True

    def describe(self):
        d = {"target": self.target, "status": self.status,
             "reason": self.reason, "message": self.message,
             "body": self.body, "delay_ms": self.delay_ms,
             "times": self.times, "match": self.match}
        if self.drop:
            d["drop"] = True
        if self.stream_bytes:
            d.update(stream_bytes=self.stream_bytes,
                     stream_piece=self.stream_piece,
                     stream_every_ms=self.stream_every_ms,
                     stream_chunked=self.stream_chunked,
                     stream_valid=self.stream_valid)
        return d


def opt_str(spec, name):
    v = spec.get(name)
    if v is not None and not isinstance(v, str):
        raise ValueError(f"{name} must be a string")
    return v


def int_field(spec, name, default, lo, hi):
    v = spec.get(name)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}]")
    return v


class FaultsMixin:
    """Answering a request the way a fault says, for the stand-in's
    request handler."""

    # -- faults -------------------------------------------------------------

    def answer_fault(self, fault, token):
        if fault.delay_ms:
            time.sleep(fault.delay_ms / 1000.0)
        if fault.drop:
            return self.drop()
        if fault.stream_bytes:
            return self.stream(fault)
        if fault.body is not None:
            return self.send(fault.status, fault.body, fault.content_type)
        if token:
            error = fault.reason or {401: "invalid_client"}.get(
                fault.status, "invalid_grant" if fault.status == 400
                else "internal_failure")
            desc = fault.message or OAUTH_DEFAULTS.get(error, "Error")
            return self.send_json(fault.status, {"error": error,
                                                 "error_description": desc},
                                  True, headers=NO_STORE)
        reason, message = FAULT_DEFAULTS.get(fault.status,
                                             ("backendError", "Error"))
        reason = fault.reason or reason
        if fault.message:
            message = fault.message
        elif reason == "quotaExceeded":
            message = QUOTA_MESSAGE
        # Google's error answers: quotaExceeded carries domain youtube.quota.
        domain = "youtube.quota" if reason == "quotaExceeded" else "global"
        body = google_error_body(fault.status, reason, message, domain)
        return self.send_json(fault.status, body, True)

    def stream(self, fault):
        """A 200 whose body of fault.stream_bytes arrives piece by piece:
        by default a JSON document that opens like a resultTable and is
        padded with blanks (it cannot end in time); with stream_valid a
        complete resultTable made of that many bytes of rows."""
        body = self.stream_body(fault)
        self.close_connection = True
        try:
            self.send_response(fault.status)
            self.send_header("Content-Type", JSON_TYPE)
            if fault.stream_chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(fault.stream_bytes))
            self.send_header("Connection", "close")
            self.end_headers()
            sent = 0
            while sent < fault.stream_bytes:
                n = min(fault.stream_piece, fault.stream_bytes - sent)
                piece = body(sent, n)
                if fault.stream_chunked:
                    piece = b"%x\r\n%s\r\n" % (len(piece), piece)
                self.wfile.write(piece)
                self.wfile.flush()
                sent += n
                if fault.stream_every_ms:
                    time.sleep(fault.stream_every_ms / 1000.0)
            if fault.stream_chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except OSError:
            pass
        return fault.status

    @staticmethod
    def stream_body(fault):
        """piece(offset, n) of the streamed body, built lazily: the body
        may be far larger than anything worth holding in memory."""
        total = fault.stream_bytes
        if not fault.stream_valid:
            head = b'{"kind": "youtubeAnalytics#resultTable", "rows": ['
            return lambda off, n: (head[off:off + n]
                                   + b" " * max(0, n - max(0, len(head) - off)))
        head = (b'{"kind": "youtubeAnalytics#resultTable", "columnHeaders": ['
                b'{"name": "views", "columnType": "METRIC", '
                b'"dataType": "INTEGER"}], "rows": [[1]')
        tail = b"]}"
        row = b", [1]"
        nrows = max(0, (total - len(head) - len(tail)) // len(row))
        pad = total - len(head) - len(tail) - nrows * len(row)
        middle_end = len(head) + nrows * len(row)

        def piece(off, n):
            out = bytearray()
            while n > 0:
                if off < len(head):
                    chunk = head[off:off + n]
                elif off < middle_end:
                    k = (off - len(head)) % len(row)
                    chunk = (row * (n // len(row) + 2))[k:k + n]
                    chunk = chunk[:middle_end - off]
                elif off < middle_end + pad:
                    chunk = b" " * min(n, middle_end + pad - off)
                else:
                    i = off - middle_end - pad
                    chunk = tail[i:i + n]
                if not chunk:
                    break
                out += chunk
                off += len(chunk)
                n -= len(chunk)
            return bytes(out)
        return piece
