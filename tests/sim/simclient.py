"""Helpers to drive the simulator from Python: start it as a subprocess, call
its admin API, and act as a YNA client (the self-test's stand-in for the
device; integration tests may use SimProcess to host the network for the
real device).

    with SimProcess() as sim:            # starts yna_sim.py, waits for the ready line
        sim.post("/config", {"status_202_count": 1})
        state = sim.get("/state")
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "yna_sim.py")


class SimProcess:
    def __init__(self, directory: str | None = None, args=(), python: str = "/usr/bin/python3",
                 stderr=None):
        self._tmp = None
        if directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="yna-sim-")
            directory = self._tmp.name
        self.dir = directory
        self.args = list(args)
        self.python = python
        self.stderr = stderr
        self.proc = None
        self.info: dict = {}

    def start(self, timeout: float = 60.0) -> dict:
        self.proc = subprocess.Popen([self.python, SIM, "--dir", self.dir, *self.args],
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line or self.proc.poll() is not None:
                break
        if not line:
            self.stop()
            raise RuntimeError("simulator did not print its ready line")
        self.info = json.loads(line)
        assert self.info.get("ready") is True
        return self.info

    def stop(self) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else None
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if self._tmp:
            self._tmp.cleanup()
        return rc

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # admin API (blocking; it is local and fast)
    def _admin(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.info["admin"] + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"admin {method} {path} -> {e.code}: {e.read()[:500]!r}")

    def get(self, path: str):
        return self._admin("GET", path)

    def post(self, path: str, body=None):
        return self._admin("POST", path, body if body is not None else {})


class YnaClient:
    """A minimal YNA client following yna-wire.md and pop-token.md (async, aiohttp)."""

    def __init__(self, info: dict, pop_key_file: str | None = None):
        import aiohttp  # noqa: F401  (imported here so SimProcess works without it)
        from cryptography.hazmat.primitives import serialization
        import ssl
        self.info = info
        self.base = info["url"]
        with open(pop_key_file or info["pop_key_file"], "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        self.ssl = ssl.create_default_context(cafile=info["ca_file"])
        self.session = None
        self.access = None
        self.refresh_token = None
        self.last_tokens = None

    async def __aenter__(self):
        import aiohttp
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self.ssl))
        return self

    async def __aexit__(self, *exc):
        await self.session.close()

    def pop(self, method: str, target: str, authorization: str | None, body: bytes = b"",
            content_type: str | None = None, **kw) -> str:
        import pop
        path, sep, query = target.partition("?")
        uri = path + (("?" + urllib.parse.unquote(query)) if sep else "")
        return pop.mint(self.key, method=method, uri=uri, authorization=authorization,
                        content_type=content_type, body=body, **kw)

    async def request(self, method: str, target: str, body=None, *, txid: str | None = None,
                      authorization: str | None = "bearer", extra_headers=None,
                      pop_override: str | None = None, allow_redirects=False):
        """Returns (status, parsed JSON or text or None, response headers)."""
        import aiohttp
        raw = b"" if body is None else (body if isinstance(body, bytes) else
                                        json.dumps(body, separators=(",", ":")).encode())
        headers = {"Accept": "application/json",
                   "x-transaction-id": txid or str(uuid.uuid4())}
        if authorization == "bearer":
            authorization = f"Bearer {self.access}"
        if authorization:
            headers["Authorization"] = authorization
        if raw:
            headers["Content-Type"] = "application/json"
        headers["X-Authorization"] = pop_override or self.pop(
            method, target, authorization, raw, headers.get("Content-Type"))
        headers.update(extra_headers or {})
        async with self.session.request(method, self.base + target, data=raw or None,
                                        headers=headers, allow_redirects=allow_redirects,
                                        skip_auto_headers=["Content-Type"]) as r:
            text = await r.text()
            try:
                parsed = json.loads(text) if text else None
            except ValueError:
                parsed = text
            return r.status, parsed, r.headers

    async def link(self, state: str | None = None) -> tuple[int, dict]:
        state = state or uuid.uuid4().hex + uuid.uuid4().hex
        q = urllib.parse.urlencode({"client_id": self.info["client_id"],
                                    "redirect_uri": self.info["redirect_uri"], "state": state})
        async with self.session.get(f"{self.base}/account-mgmt/linkAccount?{q}",
                                    allow_redirects=False) as r:
            loc = r.headers.get("Location", "")
            params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
            return r.status, params

    async def token(self, grant: dict) -> tuple[int, dict]:
        import base64
        q = urllib.parse.urlencode(grant, quote_via=urllib.parse.quote)
        basic = "Basic " + base64.b64encode(
            f"{self.info['client_id']}:{self.info['client_secret']}".encode()).decode()
        status, body, _ = await self.request("POST", f"/oauth/token?{q}", authorization=basic)
        if status == 200:
            self.access, self.refresh_token = body["access_token"], body["refresh_token"]
            self.last_tokens = body
        return status, body

    async def link_and_token(self) -> dict:
        status, params = await self.link()
        assert status == 302 and "code" in params, (status, params)
        status, body = await self.token({"grant_type": "authorization_code",
                                         "redirect_uri": self.info["redirect_uri"],
                                         "code": params["code"]})
        assert status == 200, body
        return body

    async def refresh(self) -> tuple[int, dict]:
        return await self.token({"grant_type": "refresh_token",
                                 "refresh_token": self.refresh_token})

    async def registration(self, max_tries: int = 10) -> tuple[dict, int]:
        """GET /account/status until 200; returns (body, number of 202s)."""
        n202 = 0
        for _ in range(max_tries):
            status, body, headers = await self.request("GET", "/account/status")
            if status == 202:
                n202 += 1
                await asyncio.sleep(float(headers.get("Retry-After", "2")))
                continue
            assert status == 200, (status, body)
            return body, n202
        raise AssertionError("still 202")

    async def open_channel(self, url: str, **kw):
        """WSS upgrade with Bearer + PoP over GET and the channel's path."""
        import aiohttp
        target = url.split("://", 1)[1]
        target = target[target.index("/"):]
        authz = f"Bearer {self.access}"
        headers = {"Authorization": authz,
                   "X-Authorization": self.pop("GET", target, authz),
                   "x-transaction-id": str(uuid.uuid4())}
        return await self.session.ws_connect(url, headers=headers, autoping=False,
                                             max_msg_size=8 << 20, **kw)


async def next_notifications(ws, timeout: float = 10.0, ack: bool = True) -> list:
    """Read one frame; returns [(type, value), ...], acknowledging each if asked."""
    import aiohttp
    while True:
        msg = await asyncio.wait_for(ws.receive(), timeout)
        if msg.type == aiohttp.WSMsgType.TEXT:
            break
        if msg.type in (aiohttp.WSMsgType.PING,):
            await ws.pong(msg.data)
            continue
        raise AssertionError(f"channel frame {msg.type} {msg.data!r}")
    obj = json.loads(msg.data)
    out = []
    for n in obj["notificationList"]:
        (t, v), = n.items()
        out.append((t, v))
        if ack:
            await ws.send_str(json.dumps(
                {"notificationAck": {"notificationId": v["notificationReference"]["notificationId"]}}))
    return out


async def wait_status(ws, wanted: str, timeout: float = 15.0, seen: list | None = None) -> dict:
    """Read (and ack) notifications until a sessionStatusNotification with `wanted`."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {wanted} status; saw {seen}")
        for t, v in await next_notifications(ws, left):
            if seen is not None:
                seen.append(v.get("status", t))
            if t == "sessionStatusNotification" and v.get("status") == wanted:
                return v
