#!/usr/bin/python3
"""TLS + HTTP/2 front for the Google stand-in.

Google's endpoints speak HTTP/2 over TLS; the stand-in (google_standin.py)
speaks plain HTTP/1.1. This front terminates TLS (ALPN "h2" only, as
curl negotiates with Google), takes every stream of every connection
concurrently and forwards it to the stand-in, so the module's warm
connections, multiplexing and CA handling can be tested and measured
against something that behaves like the real endpoints on the wire.

It counts what a test needs to prove connection reuse:

  GET /_front/stats  {"accepted": TLS connections accepted,
                      "connections": those that carried a forwarded request,
                      "streams": forwarded requests,
                      "resumed": connections that resumed a TLS session,
                      "pid": this process, so that a start can tell its
                      own front from another one on the port,
                      "max_streams": most streams open at once on one
                      connection}
  POST /_front/reset zeroes them (and ends a trickle)
  POST /_front/trickle {"piece": N, "every_ms": M}
                     from now on every forwarded answer's body goes out
                     in DATA frames of at most N bytes, M ms apart: a
                     streamed answer, as Google's arrive ({"piece": 0}
                     stops it)

Answers are passed on as they arrive from the stand-in, not gathered
first, so the stand-in's own slow bodies (its stream_* faults) reach the
client slowly too; a stream the client resets closes the connection to
the stand-in, and an answer the stand-in breaks off resets the stream.
(/_front/ requests are answered here and count in "accepted" only, so a
test can read the figures over the front itself.)

Python 3 standard library plus python3-h2 (Debian).

  /usr/bin/python3 t/standin/h2_front.py --port N --backend-port M
      --cert server.pem --key server.key [--host 127.0.0.1]
"""

import argparse
import asyncio
import concurrent.futures
import http.client
import json
import os
import signal
import ssl
import sys
import threading

import h2.config
import h2.errors
import h2.connection
import h2.events
import h2.exceptions

# Hop-by-hop headers (RFC 9110 §7.6.1) and those HTTP/2 forbids.
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
       "upgrade", "te", "host"}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.accepted = 0
            self.connections = 0
            self.streams = 0
            self.resumed = 0
            self.max_streams = 0

    def snapshot(self):
        with self.lock:
            return {"accepted": self.accepted,
                    "connections": self.connections,
                    "streams": self.streams, "resumed": self.resumed,
                    "max_streams": self.max_streams}


def forward(backend, method, path, headers, body):
    """Sends one request to the HTTP/1.1 stand-in and reads the answer's
    head (runs in a worker thread); the caller reads the body as it comes
    and closes the connection."""
    conn = http.client.HTTPConnection(backend[0], backend[1], timeout=3600)
    try:
        conn.request(method, path, body=body if body else None,
                     headers=dict(headers))
        return conn, conn.getresponse()
    except Exception:
        conn.close()
        raise


class Front(asyncio.Protocol):
    def __init__(self, app):
        self.app = app
        self.h2 = None
        self.transport = None
        self.streams = {}       # stream id -> [headers, bytearray body]
        self.windows = {}       # stream id -> asyncio.Event (flow control)
        self.open = 0
        self.counted = False

    # -- connection ---------------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        sslobj = transport.get_extra_info("ssl_object")
        with self.app.stats.lock:
            self.app.stats.accepted += 1
            if sslobj is not None and sslobj.session_reused:
                self.app.stats.resumed += 1
        if sslobj is None or sslobj.selected_alpn_protocol() != "h2":
            # Google would fall back to HTTP/1.1; this front exists to
            # test HTTP/2, so a client that does not offer it is a bug.
            transport.close()
            return
        cfg = h2.config.H2Configuration(client_side=False,
                                        header_encoding="utf-8")
        self.h2 = h2.connection.H2Connection(config=cfg)
        self.h2.initiate_connection()
        self.flush()

    def connection_lost(self, exc):
        for ev in self.windows.values():
            ev.set()

    def flush(self):
        data = self.h2.data_to_send()
        if data and not self.transport.is_closing():
            self.transport.write(data)

    def data_received(self, data):
        if self.h2 is None:
            return
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.flush()
            self.transport.close()
            return
        for ev in events:
            if isinstance(ev, h2.events.RequestReceived):
                self.streams[ev.stream_id] = [ev.headers, bytearray()]
            elif isinstance(ev, h2.events.DataReceived):
                st = self.streams.get(ev.stream_id)
                if st is not None:
                    st[1] += ev.data
                self.h2.acknowledge_received_data(
                    ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                st = self.streams.pop(ev.stream_id, None)
                if st is not None:
                    asyncio.ensure_future(self.handle(ev.stream_id, *st))
            elif isinstance(ev, h2.events.StreamReset):
                self.streams.pop(ev.stream_id, None)
                w = self.windows.get(ev.stream_id)
                if w:
                    w.set()
            elif isinstance(ev, h2.events.WindowUpdated):
                for sid, w in self.windows.items():
                    if ev.stream_id in (0, sid):
                        w.set()
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.transport.close()
        self.flush()

    # -- one stream ---------------------------------------------------------

    async def handle(self, sid, headers, body):
        hdr = dict(headers)
        method, path = hdr.get(":method", "GET"), hdr.get(":path", "/")
        if path.startswith("/_front/"):
            return await self.control(sid, method, path, bytes(body))
        stats = self.app.stats
        self.open += 1
        with stats.lock:
            stats.streams += 1
            if not self.counted:
                stats.connections += 1
                self.counted = True
            stats.max_streams = max(stats.max_streams, self.open)
        fwd = [(k, v) for k, v in headers
               if not k.startswith(":") and k.lower() not in HOP]
        fwd.append(("Host", hdr.get(":authority", "127.0.0.1")))
        loop = asyncio.get_running_loop()
        conn = None
        try:
            conn, resp = await loop.run_in_executor(
                self.app.pool, forward, self.app.backend, method, path,
                fwd, bytes(body))
            await self.relay(sid, resp)
        except Exception:           # noqa: BLE001 - any failure resets
            # The stand-in dropped the connection (a "drop" fault, or an
            # answer broken off): the client sees its stream reset, as
            # with a failing Google.
            self.reset(sid)
        finally:
            self.open -= 1
            if conn is not None:
                conn.close()

    async def relay(self, sid, resp):
        """The stand-in's answer, passed on as it arrives (and trickled
        when the test asked for it). Raises when the stand-in breaks it
        off; returns quietly when the client resets the stream."""
        loop = asyncio.get_running_loop()
        length = resp.getheader("content-length")
        rh = [(k.lower(), v) for k, v in resp.getheaders()
              if k.lower() not in HOP and k.lower() != "content-length"]
        if length is not None:
            rh.insert(0, ("content-length", length))
        try:
            self.h2.send_headers(sid, [(":status", str(resp.status))] + rh)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            return
        self.flush()
        sent = 0
        while True:
            data = await loop.run_in_executor(self.app.pool, resp.read1, 65536)
            if not data:
                break
            sent += len(data)
            piece, every_ms = self.app.trickle
            while data:
                n = piece or len(data)
                if not await self.send_data(sid, data[:n]):
                    return
                data = data[n:]
                if every_ms:
                    await asyncio.sleep(every_ms / 1000.0)
        if length is not None and sent != int(length):
            raise ConnectionError("the stand-in broke its answer off")
        try:
            self.h2.end_stream(sid)
            self.flush()
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            pass

    async def send_data(self, sid, data):
        """Sends data on the stream as flow control allows; False when the
        client reset the stream or closed the connection."""
        try:
            while data:
                window = min(self.h2.local_flow_control_window(sid),
                             self.h2.max_outbound_frame_size)
                if window <= 0:
                    ev = self.windows.setdefault(sid, asyncio.Event())
                    ev.clear()
                    await ev.wait()
                    if self.transport.is_closing():
                        return False
                    continue
                self.h2.send_data(sid, data[:window])
                data = data[window:]
                self.flush()
            return not self.transport.is_closing()
        except (h2.exceptions.StreamClosedError,
                h2.exceptions.ProtocolError):
            return False
        finally:
            self.windows.pop(sid, None)

    async def control(self, sid, method, path, body=b""):
        if path == "/_front/stats" and method == "GET":
            body = json.dumps(dict(self.app.stats.snapshot(), pid=os.getpid())).encode()
            return await self.respond(
                sid, 200, [("content-type", "application/json")], body)
        if path == "/_front/reset" and method == "POST":
            self.app.stats.reset()
            self.app.trickle = (0, 0)
            return await self.respond(
                sid, 200, [("content-type", "application/json")],
                b'{"ok": true}')
        if path == "/_front/trickle" and method == "POST":
            try:
                spec = json.loads(body or b"{}")
                piece = int(spec.get("piece", 0))
                every_ms = int(spec.get("every_ms", 0))
                if piece < 0 or every_ms < 0 or every_ms > 60000:
                    raise ValueError("out of range")
            except (ValueError, TypeError, AttributeError) as e:
                return await self.respond(
                    sid, 400, [("content-type", "application/json")],
                    json.dumps({"error": str(e)}).encode())
            self.app.trickle = (piece, every_ms)
            return await self.respond(
                sid, 200, [("content-type", "application/json")],
                b'{"ok": true}')
        return await self.respond(sid, 404, [], b"")

    def reset(self, sid):
        try:
            self.h2.reset_stream(sid, h2.errors.ErrorCodes.INTERNAL_ERROR)
            self.flush()
        except h2.exceptions.StreamClosedError:
            pass

    async def respond(self, sid, status, headers, data):
        try:
            self.h2.send_headers(sid, [(":status", str(status)),
                                       ("content-length", str(len(data)))]
                                 + headers)
            self.flush()
        except (h2.exceptions.StreamClosedError,
                h2.exceptions.ProtocolError):
            return          # the client reset or closed it (its timeout)
        if data and not await self.send_data(sid, data):
            return
        try:
            self.h2.end_stream(sid)
            self.flush()
        except (h2.exceptions.StreamClosedError,
                h2.exceptions.ProtocolError):
            pass


class App:
    def __init__(self, backend):
        self.backend = backend
        self.stats = Stats()
        self.trickle = (0, 0)   # (piece bytes, ms apart): 0 = as it comes
        # Every stream waits in a thread on the stand-in, which may delay
        # each answer (/_control/delay): enough threads for many misses.
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=128)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--backend-port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    args = ap.parse_args(argv)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["h2"])
    app = App(("127.0.0.1", args.backend_port))

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: Front(app), args.host, args.port, ssl=ctx, backlog=256,
        reuse_address=True))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    print(f"h2_front listening on https://{args.host}:{args.port}",
          flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        app.pool.shutdown(wait=False, cancel_futures=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
