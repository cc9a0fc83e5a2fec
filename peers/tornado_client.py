#!/usr/bin/env python3
"""Python Tornado's clients against a server under test, one case per run:

    tornado_client.py CASE http://127.0.0.1:PORT

It prints one JSON object per line saying what it sent and what it got, and
the Go test asserts on them (this script asserts nothing itself, so that a
failure is reported by the test, with both sides' views). An exception exits
non-zero with its traceback on stderr.

The server is expected to answer /echo with a JSON description of the request
and to run a WebSocket echo on /ws that closes with 4000 "as you wish" when
sent "close me".
"""

import asyncio
import hashlib
import json
import os
import sys

import tornado
import tornado.websocket
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.http1connection import HTTP1Connection, HTTP1ConnectionParameters
from tornado.httputil import HTTPHeaders, HTTPMessageDelegate, RequestStartLine
from tornado.tcpclient import TCPClient
from tornado.websocket import websocket_connect


def out(**fields):
    print(json.dumps(fields, sort_keys=True), flush=True)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def describe(resp):
    return {
        "code": resp.code,
        "body": json.loads(resp.body),
        "headers": {k.lower(): v for k, v in resp.headers.get_all()},
    }


# A body that is not all one byte, so that a misplaced chunk shows.
POST_BODY = bytes(i % 251 for i in range(300_000))
# Pieces of a chunked upload: sizes around the edges of buffers and hex widths.
CHUNKS = [b"a", b"b" * 15, b"c" * 16, b"d" * 4095, b"e" * 65536, b"f" * 100_000, b"g" * 3]


async def case_get(base):
    r = await AsyncHTTPClient().fetch(base + "/echo?x=1&y=%C3%A9")
    out(**describe(r))


async def case_post(base):
    r = await AsyncHTTPClient().fetch(
        base + "/echo",
        method="POST",
        body=POST_BODY,
        headers={"Content-Type": "application/octet-stream"},
    )
    out(sent_len=len(POST_BODY), sent_sha256=sha(POST_BODY), **describe(r))


async def case_post_large(base):
    body = bytes(i % 251 for i in range(24 << 20))
    r = await AsyncHTTPClient().fetch(base + "/echo", method="POST", body=body, request_timeout=60)
    out(sent_len=len(body), sent_sha256=sha(body), **describe(r))


async def case_expect100(base):
    r = await AsyncHTTPClient().fetch(
        base + "/echo", method="POST", body=POST_BODY, expect_100_continue=True
    )
    out(sent_len=len(POST_BODY), sent_sha256=sha(POST_BODY), **describe(r))


async def case_head(base):
    r = await AsyncHTTPClient().fetch(base + "/echo?head=1", method="HEAD")
    out(code=r.code, body_len=len(r.body), headers={k.lower(): v for k, v in r.headers.get_all()})


async def case_chunked_response(base):
    # final's /chunked answers without a Content-Length, in pieces.
    chunks = []
    r = await AsyncHTTPClient().fetch(base + "/chunked", streaming_callback=chunks.append)
    body = b"".join(chunks)
    out(
        code=r.code,
        body_len=len(body),
        body_sha256=sha(body),
        headers={k.lower(): v for k, v in r.headers.get_all()},
    )


async def chunked_to(url):
    async def producer(write):
        for c in CHUNKS:
            await write(c)

    all_bytes = b"".join(CHUNKS)
    r = await AsyncHTTPClient().fetch(url, method="PUT", body_producer=producer)
    out(sent_len=len(all_bytes), sent_sha256=sha(all_bytes), **describe(r))


async def case_big(base):
    # 24 MiB from final, with a Content-Length and chunked
    for path in ("/big", "/big?chunked=1"):
        r = await AsyncHTTPClient(max_body_size=64 << 20).fetch(base + path, request_timeout=60)
        out(
            code=r.code,
            body_len=len(r.body),
            body_sha256=sha(r.body),
            headers={k.lower(): v for k, v in r.headers.get_all()},
        )


async def case_chunked(base):
    await chunked_to(base + "/echo")


async def case_chunked_upload(base):
    # final/web's streaming handler
    await chunked_to(base + "/upload")


async def case_gzip_text(base):
    # final/web's CompressResponse; Tornado asks for gzip and decodes it
    r = await AsyncHTTPClient().fetch(base + "/text")
    out(
        code=r.code,
        body_len=len(r.body),
        body_sha256=sha(r.body),
        headers={k.lower(): v for k, v in r.headers.get_all()},
    )


async def case_keepalive_curl(base):
    # CurlAsyncHTTPClient is Tornado's AsyncHTTPClient that keeps connections
    # alive (the simple client opens one per request).
    AsyncHTTPClient.configure("tornado.curl_httpclient.CurlAsyncHTTPClient")
    client = AsyncHTTPClient()
    for i in range(3):
        body = b"request %d" % i
        r = await client.fetch(base + "/echo?n=%d" % i, method="POST", body=body)
        out(i=i, sent_sha256=sha(body), **describe(r))
    client.close()


class Collect(HTTPMessageDelegate):
    def __init__(self):
        self.chunks = []

    def headers_received(self, start_line, headers):
        self.start_line, self.headers = start_line, headers

    def data_received(self, chunk):
        self.chunks.append(chunk)


async def case_keepalive_http1(base):
    # Tornado's own HTTP/1.1 client connection, three requests in turn on one
    # stream: what simple_httpclient does for one request, repeated.
    host, port = base.split("//")[1].split(":")
    stream = await TCPClient().connect(host, int(port))
    for i in range(3):
        conn = HTTP1Connection(stream, True, HTTP1ConnectionParameters())
        body = b"request %d" % i
        headers = HTTPHeaders({"Host": "%s:%s" % (host, port), "Content-Length": str(len(body))})
        await conn.write_headers(RequestStartLine("POST", "/echo?n=%d" % i, "HTTP/1.1"), headers)
        await conn.write(body)
        conn.finish()
        d = Collect()
        await conn.read_response(d)
        out(
            i=i,
            sent_sha256=sha(body),
            code=d.start_line.code,
            body=json.loads(b"".join(d.chunks)),
            stream_closed=stream.closed(),
        )
    stream.close()


def ws_url(base, tag, compress):
    return base.replace("http://", "ws://") + "/ws?tag=%s&compress=%d" % (tag, compress)


async def echo_messages(conn):
    messages = [
        ("text", "hello, \u2603"),
        ("binary", bytes(range(256))),
        ("text", "compressible " * 20_000),
        ("binary", os.urandom(100_000)),
        ("text", ""),
    ]
    for kind, m in messages:
        await conn.write_message(m, binary=(kind == "binary"))
        got = await conn.read_message()
        raw = m.encode() if isinstance(m, str) else m
        graw = got.encode() if isinstance(got, str) else (got or b"")
        out(
            kind=kind,
            sent_len=len(raw),
            sent_sha256=sha(raw),
            got_binary=isinstance(got, bytes),
            got_none=got is None,
            got_len=len(graw),
            got_sha256=sha(graw),
        )


async def ws_case(base, tag, compress, finish):
    conn = await websocket_connect(
        ws_url(base, tag, compress),
        compression_options={} if compress else None,
    )
    out(extensions=conn.headers.get("Sec-WebSocket-Extensions", ""))
    await echo_messages(conn)
    await finish(conn)
    # read_message resolves with None once the closing handshake is over.
    rest = await conn.read_message()
    out(closed=rest is None, close_code=conn.close_code, close_reason=conn.close_reason)


async def client_closes(conn):
    conn.close(4001, "bye from tornado")


async def server_closes(conn):
    await conn.write_message("close me")


async def case_ws(base):
    await ws_case(base, "plain", 0, client_closes)


async def case_ws_compressed(base):
    await ws_case(base, "compressed", 1, client_closes)


async def case_ws_server_close(base):
    await ws_case(base, "serverclose", 0, server_closes)


async def case_ws_extras(base):
    # A subprotocol, no-context-takeover compression as final's server asks
    # for it (?compress=2), a ping, and a Close frame without a code.
    conn = await websocket_connect(
        ws_url(base, "extras", 2),
        compression_options={},
        subprotocols=["chat", "gornado.v2"],
    )
    out(
        extensions=conn.headers.get("Sec-WebSocket-Extensions", ""),
        subprotocol=conn.selected_subprotocol,
    )
    pong = asyncio.get_running_loop().create_future()
    conn.on_pong = lambda data: pong.done() or pong.set_result(data)
    conn.ping(b"are you there?")
    out(pong=(await pong).decode())
    await echo_messages(conn)
    await echo_messages(conn)  # again: each message compressed afresh
    conn.close()
    rest = await conn.read_message()
    out(closed=rest is None, close_code=conn.close_code, close_reason=conn.close_reason)


async def case_ws_too_big(base):
    # One byte over the 10 MiB default limit: the server closes with 1009.
    conn = await websocket_connect(ws_url(base, "toobig", 0))
    try:
        await conn.write_message(b"x" * (10 * 1024 * 1024 + 1), binary=True)
    except tornado.websocket.WebSocketClosedError:
        pass  # the server may close while the message is still going out
    rest = await conn.read_message()
    out(closed=rest is None, close_code=conn.close_code, close_reason=conn.close_reason)


CASES = {name[len("case_"):]: f for name, f in globals().items() if name.startswith("case_")}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        sys.exit("usage: tornado_client.py {%s} BASE_URL" % ",".join(sorted(CASES)))
    print("TORNADO %s" % tornado.version, file=sys.stderr, flush=True)
    asyncio.run(asyncio.wait_for(CASES[sys.argv[1]](sys.argv[2]), 30))


if __name__ == "__main__":
    main()
