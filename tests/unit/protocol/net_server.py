#!/usr/bin/python3
"""Independent HTTP/WebSocket far end for the protocol network tests (aiohttp).

Usage: net_server.py PKI_DIR TLS_PORT PLAIN_PORT   (127.0.0.1 only)
"""
import asyncio
import ssl
import sys

from aiohttp import web, WSMsgType


async def hello(request):
    conn = id(request.transport)
    return web.Response(text="hello", headers={"X-Conn": str(conn),
                                               "X-Seen-Auth": request.headers.get("X-Authorization", "")})


async def chunked(request):
    resp = web.StreamResponse(status=202, headers={"Retry-After": "2"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    for part in (b"chunk-one,", b"chunk-two,", b"end"):
        await resp.write(part)
    await resp.write_eof()
    return resp


async def echo(request):
    body = await request.read()
    return web.Response(body=body, status=201, headers={"Location": "/made/1",
                                                        "X-Content-Type": request.headers.get("Content-Type", "")})


async def big(request):
    return web.Response(body=b"x" * (40 * 1024))


async def slow(request):
    await asyncio.sleep(30)
    return web.Response(text="late")


async def ws(request):
    if request.headers.get("Authorization") != "Bearer good" or not request.headers.get("X-Authorization"):
        return web.Response(status=401, text='{"errors":[{"reasonCode":"unauthorized"}]}')
    sock = web.WebSocketResponse(autoping=True, max_msg_size=0)
    await sock.prepare(request)
    async for msg in sock:
        if msg.type != WSMsgType.TEXT:
            continue
        if msg.data == "big":
            await sock.send_str("b" * (70 * 1024))
        elif msg.data == "bye":
            await sock.close(code=1001, message=b"going away")
        else:
            await sock.send_str("echo:" + msg.data)
    return sock


async def ws_gone(request):
    return web.Response(status=410, text="gone")


async def main():
    pki, tls_port, plain_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    app = web.Application()
    app.router.add_get("/hello", hello)
    app.router.add_get("/chunked", chunked)
    app.router.add_post("/echo", echo)
    app.router.add_get("/big", big)
    app.router.add_get("/slow", slow)
    app.router.add_get("/ws", ws)
    app.router.add_get("/ws-gone", ws_gone)
    runner = web.AppRunner(app)
    await runner.setup()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki + "/server.crt", pki + "/server.key")
    await web.TCPSite(runner, "127.0.0.1", tls_port, ssl_context=ctx).start()
    await web.TCPSite(runner, "127.0.0.1", plain_port).start()
    await asyncio.Event().wait()


asyncio.run(main())
