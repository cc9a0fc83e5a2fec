"""The Python Tornado peer of the te workloads: TechEmpower's six test types.

Written as TechEmpower's Tornado entry writes its PostgreSQL variant
(frameworks/Python/tornado, the asyncpg handlers): RequestHandlers with
coroutine methods awaiting an asyncpg pool, compute_etag off, fortunes
rendered by Tornado's template engine, which escapes every {{ }} (autoescape
xhtml_escape). asyncpg is Debian's python3-asyncpg. The database is the URL
in TE_DSN.

Run as `TE_DSN=postgres://... python3 te.py -addr 127.0.0.1:8080 [-pool N]`.
It prints its URL once listening (the runner's readiness contract).
"""

import argparse
import asyncio
import json
import os
import random

import asyncpg
import tornado.httpserver
import tornado.netutil
import tornado.web

MESSAGE = "Hello, World!"
SELECT_WORLD = "SELECT id, randomNumber FROM World WHERE id = $1"
UPDATE_WORLD = "UPDATE World SET randomNumber = $1 WHERE id = $2"
SELECT_FORTUNES = "SELECT id, message FROM Fortune"
EXTRA_FORTUNE = "Additional fortune added at request time."


def queries_arg(handler):
    """The queries parameter: 1..500, 1 when missing or not a number."""
    try:
        n = int(handler.get_argument("queries", "1").strip())
    except ValueError:
        return 1
    return min(max(n, 1), 500)


class Base(tornado.web.RequestHandler):
    def compute_etag(self):
        # No caching (TechEmpower's rules; its entry does the same).
        return None

    @property
    def pool(self):
        return self.application.settings["pool"]


class JSONHandler(Base):
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": MESSAGE}))


class PlaintextHandler(Base):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.finish(MESSAGE.encode())


class DBHandler(Base):
    async def get(self):
        row = await self.pool.fetchrow(SELECT_WORLD, random.randint(1, 10000))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"id": row[0], "randomNumber": row[1]}))


class QueriesHandler(Base):
    async def get(self):
        n = queries_arg(self)
        worlds = []
        async with self.pool.acquire() as conn:
            stmt = await conn.prepare(SELECT_WORLD)
            for _ in range(n):
                row = await stmt.fetchrow(random.randint(1, 10000))
                worlds.append({"id": row[0], "randomNumber": row[1]})
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(worlds))


class UpdatesHandler(Base):
    async def get(self):
        n = queries_arg(self)
        worlds = []
        async with self.pool.acquire() as conn:
            stmt = await conn.prepare(SELECT_WORLD)
            for _ in range(n):
                row = await stmt.fetchrow(random.randint(1, 10000))
                worlds.append({"id": row[0], "randomNumber": random.randint(1, 10000)})
            # One batch of updates, in id order so that two requests cannot
            # deadlock on the same rows.
            await conn.executemany(
                UPDATE_WORLD,
                [(w["randomNumber"], w["id"]) for w in sorted(worlds, key=lambda w: w["id"])],
            )
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(worlds))


class FortunesHandler(Base):
    async def get(self):
        rows = await self.pool.fetch(SELECT_FORTUNES)
        fortunes = [(r[0], r[1]) for r in rows]
        fortunes.append((0, EXTRA_FORTUNE))
        fortunes.sort(key=lambda f: f[1])
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.render("fortunes.html", fortunes=fortunes)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-addr", default="127.0.0.1:8080")
    p.add_argument("-pool", type=int, default=16)
    args = p.parse_args()
    host, port = args.addr.rsplit(":", 1)
    dsn = os.environ.get("TE_DSN")

    async def serve():
        pool = None
        if dsn:
            pool = await asyncpg.create_pool(dsn, min_size=args.pool, max_size=args.pool)
        app = tornado.web.Application(
            [
                (r"/json", JSONHandler),
                (r"/plaintext", PlaintextHandler),
                (r"/db", DBHandler),
                (r"/queries", QueriesHandler),
                (r"/fortunes", FortunesHandler),
                (r"/updates", UpdatesHandler),
            ],
            template_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates"),
            pool=pool,
        )
        server = tornado.httpserver.HTTPServer(app)
        # A listen backlog of 8192, as TechEmpower's Tornado entry binds
        # (its --backlog default), rather than bind_sockets' 128: wrk opens
        # up to 16,384 connections at once at TechEmpower's levels. The
        # kernel caps it at net.core.somaxconn.
        server.add_sockets(tornado.netutil.bind_sockets(int(port), address=host, backlog=8192))
        print("http://%s/" % args.addr, flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
