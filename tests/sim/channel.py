"""The notification channel (yna-wire.md section 5): WSS upgrade with Bearer +
PoP, notification frames, acknowledgements, redelivery, ping/pong, and the
channel faults of the admin API.

Delivery model: notifications go to the newest open connection. One that
finds no connection waits for the device to (re)connect, then is sent; an
unacknowledged one is sent again every `redelivery_s` (3 s), at most
`redelivery_max` (3) more times, with the same notificationId.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from rest import Checker, error_info
from state import SimState, now_ms

CONNECT_WAIT_S = 120   # how long an undelivered notification waits for a connection
BIG_FRAME_BYTES = 1 << 20


@dataclass
class Conn:
    id: int
    channel_id: str
    ws: web.WebSocketResponse
    opened_ms: int
    closed_ms: int | None = None
    close_code: int | None = None   # code of the close frame the *device* sent, if any
    closed_by: str | None = None    # "device" | "network"
    pings: int = 0
    pongs: int = 0
    frames_out: int = 0
    frames_in: int = 0
    no_pong: bool = False
    network_close_done: asyncio.Event | None = None

    def summary(self) -> dict:
        return {"id": self.id, "channel_id": self.channel_id, "opened_ms": self.opened_ms,
                "closed_ms": self.closed_ms, "close_code": self.close_code,
                "closed_by": self.closed_by, "pings": self.pings, "pongs": self.pongs,
                "frames_out": self.frames_out, "frames_in": self.frames_in,
                "no_pong": self.no_pong}


@dataclass
class Pending:
    nid: int
    type: str
    value: dict
    call_id: str | None
    sends: list = field(default_factory=list)   # t_ms of each send
    acks: list = field(default_factory=list)    # t_ms of each ack
    gave_up: bool = False
    acked: asyncio.Event = field(default_factory=asyncio.Event)

    def summary(self) -> dict:
        return {"notificationId": self.nid, "type": self.type, "call_id": self.call_id,
                "status": self.value.get("status") if isinstance(self.value, dict) else None,
                "sends": self.sends, "acks": self.acks, "acked": bool(self.acks),
                "gave_up": self.gave_up}


class ChannelHub:
    def __init__(self, state: SimState, checker: Checker):
        self.state = state
        self.checker = checker
        self.channels: dict[str, dict] = {}    # channel id -> {link_id, created_ms, retired}
        self.conns: list[Conn] = []            # every connection ever, oldest first
        self.history: list[dict] = []          # {t_ms, open, event}
        self.pending: dict[int, Pending] = {}  # notificationId -> record
        self.unexpected_frames: list = []
        self._next_conn = 1
        self._next_nid = 1000
        self._seq = 0
        self._conn_changed = asyncio.Event()
        self._tasks: set = set()

    def routes(self):
        return [web.get("/channel/{cid}", self.upgrade)]

    # --- registration hands out channel URLs -----------------------------------------
    def new_channel(self, link_id: str | None) -> str:
        cid = secrets.token_hex(16)
        self.channels[cid] = {"link_id": link_id, "created_ms": now_ms(), "retired": None}
        return self.state.channel_base_url + f"/channel/{cid}"

    def open_conns(self) -> list[Conn]:
        return [c for c in self.conns if c.closed_ms is None and c.closed_by is None]

    def current(self) -> Conn | None:
        live = self.open_conns()
        return live[-1] if live else None

    def _history(self, event: str, conn: Conn) -> None:
        self.history.append({"t_ms": now_ms(), "event": event, "conn": conn.id,
                             "open": len(self.open_conns())})
        self._conn_changed.set()
        self._conn_changed = asyncio.Event()

    # --- the upgrade --------------------------------------------------------------------
    async def upgrade(self, request: web.Request):
        st = self.state
        cid = request.match_info["cid"]
        where = "GET /channel"
        ctx = await self.checker.check(request, "upgrade")
        if isinstance(ctx, web.Response):
            return ctx
        if request.headers.get("Upgrade", "").lower() != "websocket":
            st.violation(where, "channel GET without a WebSocket upgrade")
            return error_info(400, "INVALID_INPUT", "WebSocket upgrade expected")
        ch = self.channels.get(cid)
        if ch is None:
            st.violation(where, f"unknown channel id {cid}")
            return error_info(404, "NOT_FOUND", "no such channel")
        if ch["retired"]:
            # Not a violation: the device learns it must ask /account/status again.
            st.event("channel_refused", channel_id=cid, status=410, why=ch["retired"])
            return error_info(410, "GONE", "channel retired")
        if st.faults.pop("upgrade_410", None):
            ch["retired"] = "upgrade_410 fault"
            st.event("fault_applied", name="upgrade_410", channel_id=cid)
            return error_info(410, "GONE", "channel retired (simulated)")

        ws = web.WebSocketResponse(autoping=False, max_msg_size=4 << 20)
        await ws.prepare(request)
        conn = Conn(self._next_conn, cid, ws, now_ms())
        self._next_conn += 1
        self.conns.append(conn)
        self._history("open", conn)
        st.event("channel_open", conn=conn.id, channel_id=cid)
        st.say(f"channel: device connected (connection #{conn.id})")
        try:
            await self._serve(conn)
        finally:
            conn.closed_ms = now_ms()
            conn.closed_by = conn.closed_by or "device"
            if conn.close_code is None and ws.close_code is not None:
                conn.close_code = ws.close_code
            self._history("close", conn)
            st.event("channel_close", conn=conn.id, close_code=conn.close_code,
                     closed_by=conn.closed_by)
            st.say(f"channel: connection #{conn.id} closed by {conn.closed_by} "
                   f"(code {conn.close_code})")
        return ws

    async def _serve(self, conn: Conn) -> None:
        st = self.state
        ws = conn.ws
        async for msg in ws:
            conn.frames_in += 1
            if msg.type == WSMsgType.PING:
                conn.pings += 1
                if conn.no_pong:
                    st.event("ping_ignored", conn=conn.id)
                else:
                    await ws.pong(msg.data)
                    conn.pongs += 1
            elif msg.type == WSMsgType.PONG:
                pass
            elif msg.type == WSMsgType.TEXT:
                self._on_text(conn, msg.data)
            elif msg.type == WSMsgType.BINARY:
                st.violation("channel", f"binary frame of {len(msg.data)} bytes from the device")
            elif msg.type == WSMsgType.CLOSE:
                if conn.closed_by is None:
                    conn.close_code = msg.data
                    conn.closed_by = "device"
                break
            elif msg.type == WSMsgType.ERROR:
                st.event("channel_error", conn=conn.id, error=str(ws.exception()))
                break
        # aiohttp answers the device's close frame for us (autoclose). When the network
        # closes (fault), the fault task's ws.close() sends the frame: wait for it here,
        # or aiohttp's end-of-handler close would send 1000 first.
        if conn.network_close_done is not None:
            try:
                await asyncio.wait_for(conn.network_close_done.wait(), 15)
            except asyncio.TimeoutError:
                pass

    def _on_text(self, conn: Conn, text: str) -> None:
        st = self.state
        try:
            obj = json.loads(text)
        except ValueError:
            st.violation("channel", f"non-JSON text frame from the device: {text[:200]!r}")
            return
        ack = obj.get("notificationAck") if isinstance(obj, dict) else None
        if not (isinstance(obj, dict) and set(obj) == {"notificationAck"} and isinstance(ack, dict)
                and "notificationId" in ack):
            st.violation("channel", f"frame from the device is not a notificationAck: {text[:200]}")
            return
        nid = ack["notificationId"]
        if isinstance(nid, bool) or not isinstance(nid, int):
            st.violation("channel", f"notificationAck with a {type(nid).__name__} notificationId "
                                    f"{nid!r} (the id is an integer)")
            return
        p = self.pending.get(nid)
        if p is None:
            st.violation("channel", f"ack for unknown notificationId {nid}")
            return
        p.acks.append(now_ms())
        p.acked.set()
        st.event("ack", conn=conn.id, notificationId=nid, type=p.type, call_id=p.call_id)

    # --- sending ------------------------------------------------------------------------
    def notify(self, ntype: str, value: dict, call_id: str | None = None,
               duplicate: bool = False) -> int:
        """Queue one notification; fills notificationReference. Returns its id."""
        nid = self._next_nid
        self._next_nid += 1
        self._seq += 1
        value = dict(value)
        value.setdefault("notificationReference", {"epochTime": now_ms(), "notificationId": nid,
                                                   "sequenceNumber": self._seq})
        p = Pending(nid, ntype, value, call_id)
        self.pending[nid] = p
        if self.state.faults.pop("duplicate_notification", None):
            duplicate = True
            self.state.event("fault_applied", name="duplicate_notification", notificationId=nid)
        self._spawn(self._deliver(p, duplicate))
        self.state.event("notify", notificationId=nid, type=ntype, call_id=call_id,
                         status=value.get("status"))
        return nid

    def _spawn(self, coro) -> None:
        t = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    async def _wait_conn(self, timeout: float) -> Conn | None:
        deadline = time.monotonic() + timeout
        while True:
            c = self.current()
            if c is not None:
                return c
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                await asyncio.wait_for(self._conn_changed.wait(), left)
            except asyncio.TimeoutError:
                return None

    async def send_text(self, conn: Conn, text: str) -> bool:
        try:
            await conn.ws.send_str(text)
            conn.frames_out += 1
            return True
        except (ConnectionError, RuntimeError) as e:
            self.state.event("send_failed", conn=conn.id, error=str(e))
            return False

    async def _deliver(self, p: Pending, duplicate: bool) -> None:
        cfg = self.state.config
        frame = json.dumps({"notificationList": [{p.type: p.value}]})
        attempts = 0
        while attempts <= cfg.redelivery_max and not p.acked.is_set():
            conn = await self._wait_conn(CONNECT_WAIT_S)
            if conn is None:
                break
            if await self.send_text(conn, frame):
                attempts += 1
                p.sends.append(now_ms())
                if duplicate:
                    duplicate = False
                    await self.send_text(conn, frame)
                    p.sends.append(now_ms())
            else:
                await asyncio.sleep(0.1)
                continue
            try:
                await asyncio.wait_for(p.acked.wait(), cfg.redelivery_s)
            except asyncio.TimeoutError:
                if attempts <= cfg.redelivery_max:
                    self.state.event("redeliver", notificationId=p.nid, attempt=attempts + 1)
        if not p.acked.is_set():
            p.gave_up = True
            self.state.event("undelivered", notificationId=p.nid, type=p.type, sends=len(p.sends))

    # --- faults -------------------------------------------------------------------------
    async def fault(self, name: str) -> dict:
        st = self.state
        live = self.open_conns()
        if name == "upgrade_410":
            st.faults["upgrade_410"] = True
            return {"armed": True}
        if name == "duplicate_notification":
            st.faults["duplicate_notification"] = True
            return {"armed": True}
        if name == "no_pong":
            for c in live:
                c.no_pong = True
            return {"connections": [c.id for c in live]}
        if name in ("close_1012", "close_1001"):
            code = int(name[-4:])
            for c in live:
                c.closed_by = "network"   # the upgrade handler records the close itself
                c.close_code = code
                c.network_close_done = asyncio.Event()
                self._spawn(self._network_close(c, code))
            return {"connections": [c.id for c in live]}
        conn = self.current()
        if conn is None:
            raise web.HTTPConflict(text=json.dumps({"error": "no channel connection"}),
                                   content_type="application/json")
        if name == "malformed_frame":
            await self.send_text(conn, "this is {not JSON")
            await self.send_text(conn, json.dumps({"notificationList": "not-a-list"}))
            # A wrong-typed notification that still has a usable id: the device should
            # acknowledge it (it parsed it) and otherwise ignore it.
            nid = self.notify("sessionStatusNotification",
                              {"status": 42, "callObjectRef": 12345,
                               "responseCode": "one-eighty"})
            return {"connection": conn.id, "ackable_notificationId": nid}
        if name == "big_frame":
            pad = "x" * (BIG_FRAME_BYTES - 64)
            text = json.dumps({"notificationList": [], "padding": pad})
            await self.send_text(conn, text)
            st.event("big_frame_sent", conn=conn.id, bytes=len(text))
            return {"connection": conn.id, "bytes": len(text)}
        raise web.HTTPBadRequest(text=json.dumps({"error": f"unknown fault {name}"}),
                                 content_type="application/json")

    async def _network_close(self, c: Conn, code: int) -> None:
        try:
            await c.ws.close(code=code, message=b"simulated")
        finally:
            c.network_close_done.set()

    def summary(self) -> dict:
        return {"open": len(self.open_conns()),
                "connections": [c.summary() for c in self.conns],
                "history": self.history,
                "channels": {k: dict(v) for k, v in self.channels.items()},
                "notifications": [p.summary() for p in self.pending.values()],
                "acks_received": sum(len(p.acks) for p in self.pending.values())}
