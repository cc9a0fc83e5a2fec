#!/usr/bin/env python3
"""A small Python Tornado app that final's clients talk to in the peers tests.

It listens on 127.0.0.1 on a port the kernel picks, prints "PORT <n>" on
stdout once it accepts connections, then one JSON line per WebSocket event
(open, ping, close), which the Go tests wait on. It runs until killed.

With --idle SECONDS it closes connections idle that long
(idle_connection_timeout) and prints {"event": "conn_closed"} for every
connection that closes.

    /echo   any method: a JSON description of the request as Tornado saw it
            (method, version, body length and SHA-256, framing headers, the
            client's port, and how many connections the server has accepted)
    /big    GET: 200 KiB of text, gzipped when the client accepts it
    /stream GET: the body in five flushed pieces, so sent chunked
    /status/<code>  answers with that status and no body
    /redirect       302 to /echo?from=redirect
    /ws     WebSocket echo; the message "close me" makes the server close with
            4000 "as you wish"; ?compress=1 accepts permessage-deflate; picks
            the subprotocol "gornado.v2" when offered; reports pings
"""

import asyncio
import hashlib
import json
import sys

import tornado
import tornado.httpserver
import tornado.netutil
import tornado.web
import tornado.websocket

BIG = ("".join("line %06d of the big response\n" % i for i in range(7000))).encode()


def emit(**event):
    print(json.dumps(event, sort_keys=True), flush=True)


class CountingServer(tornado.httpserver.HTTPServer):
    """An HTTPServer that counts the connections it accepts, so that a test
    can tell keep-alive from a connection per request on the server's side."""

    accepted = 0
    report_closes = False

    def handle_stream(self, stream, address):
        CountingServer.accepted += 1
        return super().handle_stream(stream, address)

    def on_close(self, server_conn):
        super().on_close(server_conn)
        if CountingServer.report_closes:
            emit(event="conn_closed")


class Echo(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")

    def describe(self):
        r = self.request
        body = r.body or b""
        self.write(
            {
                "method": r.method,
                "uri": r.uri,
                "version": r.version,
                "body_len": len(body),
                "body_sha256": hashlib.sha256(body).hexdigest(),
                "content_length": r.headers.get("Content-Length", ""),
                "transfer_encoding": r.headers.get("Transfer-Encoding", ""),
                "content_type": r.headers.get("Content-Type", ""),
                "expect": r.headers.get("Expect", ""),
                "user_agent": r.headers.get("User-Agent", ""),
                "client_port": r.connection.context.address[1],
                "accepted": CountingServer.accepted,
            }
        )

    get = post = put = delete = patch = options = describe


class Big(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write(BIG)


class Stream(tornado.web.RequestHandler):
    async def get(self):
        self.set_header("Content-Type", "text/plain")
        for i in range(5):
            self.write("piece %d\n" % i * (i * 1000 + 1))
            await self.flush()


class Status(tornado.web.RequestHandler):
    def get(self, code):
        self.set_status(int(code))

    head = get


class Redirect(tornado.web.RequestHandler):
    def get(self):
        self.redirect("/echo?from=redirect")


class WS(tornado.websocket.WebSocketHandler):
    def get_compression_options(self):
        return {} if self.get_argument("compress", "0") == "1" else None

    def select_subprotocol(self, subprotocols):
        return "gornado.v2" if "gornado.v2" in subprotocols else None

    def open(self):
        ws = self.ws_connection
        emit(
            event="open",
            tag=self.get_argument("tag", ""),
            compressed=ws._compressor is not None,
            subprotocol=self.selected_subprotocol or "",
            # the parameters Tornado agreed to, "" without compression
            extensions=self._headers.get("Sec-WebSocket-Extensions", ""),
        )

    def on_ping(self, data):
        emit(event="ping", tag=self.get_argument("tag", ""), data=data.decode())

    def on_message(self, message):
        if message == "close me":
            self.close(4000, "as you wish")
            return
        self.write_message(message, binary=isinstance(message, bytes))

    def on_close(self):
        emit(
            event="close",
            tag=self.get_argument("tag", ""),
            code=self.close_code,
            reason=self.close_reason,
        )


async def main():
    app = tornado.web.Application(
        [
            (r"/echo", Echo),
            (r"/big", Big),
            (r"/stream", Stream),
            (r"/status/(\d+)", Status),
            (r"/redirect", Redirect),
            (r"/ws", WS),
        ], compress_response=True
    )
    idle = None
    if sys.argv[1:2] == ["--idle"]:
        idle = float(sys.argv[2])
        CountingServer.report_closes = True
    server = CountingServer(app, idle_connection_timeout=idle)
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    print("PORT %d" % sockets[0].getsockname()[1], flush=True)
    print("TORNADO %s" % tornado.version, file=sys.stderr, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
