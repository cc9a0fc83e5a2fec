"""The Python Tornado peer: the framework gornado rebuilds, at Debian's version.

Same endpoints as the Go peers: GET / and /json and /64k through an
Application and RequestHandlers, and a WebSocketHandler echoing on /echo. It
prints its URL once listening (the runner's readiness contract).

Run as `python3 app.py -addr 127.0.0.1:8080 [-procs N]`; -procs forks N
processes sharing the socket (tornado.process.fork_processes), for the
all-cores workload.
"""

import argparse
import asyncio
import resource
import sys

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.process
import tornado.web
import tornado.websocket

HELLO = b"Hello, world"
JSON = b'{"message":"Hello, world"}'
BODY_64K = bytes(ord("a") + i % 26 for i in range(64 << 10))


class HelloHandler(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write(HELLO)


class JSONHandler(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.write(JSON)


class BigHandler(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "application/octet-stream")
        self.write(BODY_64K)


class EchoHandler(tornado.websocket.WebSocketHandler):
    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-addr", default="127.0.0.1:8080")
    p.add_argument("-procs", type=int, default=1)
    args = p.parse_args()
    host, port = args.addr.rsplit(":", 1)

    # The idle-connection workload opens 10k sockets: take the hard limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    sockets = tornado.netutil.bind_sockets(int(port), address=host)
    if args.procs > 1:
        tornado.process.fork_processes(args.procs)

    async def serve():
        app = tornado.web.Application([
            (r"/", HelloHandler),
            (r"/json", JSONHandler),
            (r"/64k", BigHandler),
            (r"/echo", EchoHandler),
        ])
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets(sockets)
        if tornado.process.task_id() in (None, 0):
            print("http://%s/" % args.addr, flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
