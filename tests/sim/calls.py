"""Call endpoints (yna-wire.md section 6), the far-end behaviours behind the
numbers the device dials, and the network-side call actions the admin API
triggers (incoming call, remote hold/resume, renegotiation, cancel, terminate).

JSEP bookkeeping: `call.offer` says whose offer is outstanding:
  None            stable
  "device"        the device posted an offer (start/hold/resume/renegotiate) and
                  waits for our answer in a status notification
  "network:hold" / "network:resume" / "network:renegotiate" / "network:invite"
                  we sent an offer and wait for the device's answer on
                  /acceptHold, /acceptResume, /renegotiate, /connected
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field

from aiohttp import web

from rest import Checker, call_proxy_error, error_info
from state import SimState, now_ms
import sdpcheck

# Number -> behaviour. POST /config {"numbers": {...}} overrides, default_behaviour covers
# every other number.
NUMBERS = {
    "911": "answer",            # emergency: answered at once like any PSAP
    "+14255550199": "answer",
    "+14255550198": "ring_answer",
    "+14255550197": "early_media",
    "+14255550196": "busy",
    "+14255550195": "declined",
    "+14255550194": "no_answer",
    "+14255550193": "not_reachable",
    "+14255550192": "failed",
    "+14255550191": "ring_forever",
    "+14255550190": "answer_then_hangup",
    "+14255550189": "echo",
    "+14255550188": "remote_hold",
}

# Steps: ("status", Status, responseCode) | ("wait", seconds or "ring") | ("answer",)
# | ("early",) | ("end", Status, responseCode) | ("hold",) | ("resume",) | ("echo",)
BEHAVIOURS = {
    "answer": [("status", "InProgress", 100), ("wait", 0.2), ("answer",)],
    "ring_answer": [("status", "InProgress", 183), ("wait", 0.2), ("status", "Ringing", 180),
                    ("wait", "ring"), ("answer",)],
    # Early media: the answer SDP arrives with InProgress 183 + earlyMediaDirection; a
    # late Ringing follows (the device must not go back to local ringback), then
    # Connected without an sdp.
    "early_media": [("early",), ("wait", "ring"),
                    ("status", "Ringing", 180), ("wait", 1.0), ("answer",)],
    "busy": [("status", "InProgress", 100), ("wait", 0.5), ("end", "Busy", 486)],
    "declined": [("status", "InProgress", 183), ("wait", 0.2), ("status", "Ringing", 180),
                 ("wait", "ring"), ("end", "Declined", 603)],
    "no_answer": [("status", "InProgress", 183), ("wait", 0.2), ("status", "Ringing", 180),
                  ("wait", 4.0), ("end", "NoAnswer", 480)],
    "not_reachable": [("wait", 0.5), ("end", "NotReachable", 404)],
    "failed": [("status", "InProgress", 100), ("wait", 0.3), ("end", "Failed", 500)],
    "ring_forever": [("status", "InProgress", 183), ("wait", 0.2), ("status", "Ringing", 180)],
    "answer_then_hangup": [("status", "InProgress", 100), ("wait", 0.2), ("answer",),
                           ("wait", 5.0), ("end", "Terminated", None)],
    "echo": [("status", "InProgress", 100), ("wait", 0.2), ("echo",), ("answer",)],
    "remote_hold": [("status", "InProgress", 100), ("wait", 0.2), ("answer",), ("wait", 3.0),
                    ("hold",), ("wait", 3.0), ("resume",)],
}

END_STATUSES = {"Declined", "Busy", "NoAnswer", "NotReachable", "Failed", "SessionCancelled",
                "Terminated"}
PROGRESS_ACTIONS = ("inProgress", "ringing", "proceeding", "connected", "hold", "acceptHold",
                    "resume", "acceptResume", "renegotiate")
START_DELAY_S = 0.3   # first status only after the /start response has left


def e164(addr: str) -> str:
    """'tel:+14255550199', '+1 425 555 0199', '14255550199', '4255550199' -> '+14255550199'."""
    a = addr.strip()
    a = re.sub(r"^(tel|sip|sips):", "", a, flags=re.I).split("@")[0].split(";")[0]
    digits = re.sub(r"\D", "", a)
    if len(digits) == 10:
        digits = "1" + digits
    return "+" + digits


@dataclass
class Call:
    id: str
    direction: str          # "out" (device dialled) | "in" (network offered)
    peer: str               # E.164 of the other party
    behaviour: str
    state: str
    created_ms: int = field(default_factory=now_ms)
    client_correlator: str | None = None
    start_request: dict | None = None
    offer: str | None = None
    answer_sent: bool = False   # MO: has the far end's answer gone out (early or connected)
    end_reason: str | None = None
    ended_by: str | None = None
    history: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    verification_status: str | None = None
    farend: object = None
    task: asyncio.Task | None = None

    def set_state(self, state: str, note: str = "") -> None:
        self.state = state
        self.history.append([now_ms(), state, note])

    def summary(self) -> dict:
        return {"callId": self.id, "direction": self.direction, "peer": self.peer,
                "behaviour": self.behaviour, "state": self.state, "created_ms": self.created_ms,
                "clientCorrelator": self.client_correlator, "offer_outstanding": self.offer,
                "end_reason": self.end_reason, "ended_by": self.ended_by,
                "history": self.history, "requests": self.requests,
                "notifications": self.notifications,
                "verificationStatus": self.verification_status,
                "start_request": self.start_request,
                "media_state": self.farend.pc.connectionState if self.farend else None}


class CallManager:
    def __init__(self, state: SimState, checker: Checker, out_dir: str):
        self.state = state
        self.checker = checker
        self.out_dir = out_dir
        self.calls: dict[str, Call] = {}
        self.by_correlator: dict[str, str] = {}
        self._tasks: set = set()

    def routes(self):
        r = [web.post("/start", self.start), web.delete("/end/{callId}", self.end)]
        for a in PROGRESS_ACTIONS:
            r.append(web.post(f"/{a}/{{callId}}", self.progress))
        return r

    def _spawn(self, coro):
        t = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)
        return t

    def behaviour_for(self, number: str) -> str:
        cfg = self.state.config
        return cfg.numbers.get(number) or NUMBERS.get(number) or cfg.default_behaviour

    def _ref(self, call_id: str) -> str:
        return f"{self.state.base_url}/calls/v1/sessions/{call_id}"

    def _new_farend(self, call_id: str):
        import farend  # yna_sim imports it at start-up (it patches aiortc/aioice)
        return farend.FarEnd(call_id, out_dir=self.out_dir)

    # --- notifications --------------------------------------------------------------------
    def send_status(self, call: Call, status: str, response_code: int | None = None,
                    sdp: str | None = None, **extra) -> int:
        v = {"status": status, "callObjectRef": self._ref(call.id),
             "receiverAddress": "tel:" + (call.peer if call.direction == "out" else
                                          self.state.msisdn),
             "epochTime": now_ms()}
        if response_code is not None:
            v["responseCode"] = response_code
        if sdp is not None:
            v["sdp"] = sdp
        v.update(extra)
        nid = self.state.channels.notify("sessionStatusNotification", v, call_id=call.id)
        call.notifications.append({"notificationId": nid, "status": status,
                                   "sdp": sdp is not None, "t_ms": now_ms()})
        self.state.say(f"call {call.id[:8]}: -> {status}" + (" (+sdp)" if sdp else ""))
        return nid

    async def end_call(self, call: Call, reason: str, by: str) -> None:
        if call.state == "ended":
            return
        call.end_reason, call.ended_by = reason, by
        call.set_state("ended", f"{reason} by {by}")
        self.state.event("call_ended", call_id=call.id, reason=reason, by=by)
        self.state.say(f"call {call.id[:8]}: ended ({reason}, by {by})")
        if call.task and call.task is not asyncio.current_task():
            call.task.cancel()
        if call.farend is not None:
            try:
                await call.farend.close()
            except Exception as e:  # closing must never fail a request
                self.state.event("farend_close_error", call_id=call.id, error=str(e))

    # --- device requests ------------------------------------------------------------------
    def _record(self, call: Call | None, request: web.Request, ctx) -> None:
        r = {"t_ms": now_ms(), "method": request.method, "path": request.path,
             "txid": ctx.txid, "reason": request.headers.get("reason"),
             "sdp": bool(isinstance(ctx.json, dict) and ctx.json.get("sdp"))}
        if call is not None:
            call.requests.append(r)

    def _record_refused(self, call_id: str, request: web.Request, resp: web.Response) -> None:
        """Requests refused before the handler ran (auth, fault) still show in the call."""
        call = self.calls.get(call_id)
        if call is not None:
            call.requests.append({"t_ms": now_ms(), "method": request.method,
                                  "path": request.path,
                                  "txid": request.headers.get("x-transaction-id"),
                                  "reason": request.headers.get("reason"), "sdp": None,
                                  "status": resp.status})

    def _bad(self, where: str, msg: str, ctx, status: int = 400):
        self.state.violation(where, msg, txid=ctx.txid if ctx else None)
        return error_info(status, "INVALID_INPUT", msg)

    async def start(self, request: web.Request):
        st = self.state
        where = "POST /start"
        ctx = await self.checker.check(request, "api")
        if isinstance(ctx, web.Response):
            return ctx
        body = ctx.json if isinstance(ctx.json, dict) else None
        if body is None:
            return self._bad(where, "/start without a JSON body", ctx)
        missing = [k for k in ("to", "from", "sdp") if not isinstance(body.get(k), str)
                   or not body.get(k)]
        if missing:
            return self._bad(where, f"/start lacks string field(s) {missing}", ctx)
        corr = body.get("clientCorrelator")
        if corr is None or not isinstance(corr, str) or not re.match(
                r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", corr, re.I):
            st.add_lint(where, f"clientCorrelator {corr!r} is not a UUID")
        if corr and corr in self.by_correlator:
            # A retried /start: same call, same answer (idempotent by clientCorrelator).
            call = self.calls[self.by_correlator[corr]]
            self._record(call, request, ctx)
            st.event("start_retry", call_id=call.id, clientCorrelator=corr)
            return web.json_response(call.start_request)
        # yna-wire.md section 6: msisdns as the CallStartRequest example writes
        # them, digits only; a service or emergency number as dialled.
        bad = [k for k in ("to", "from") if not re.fullmatch(r"[0-9]{1,15}", body[k])]
        if bad:
            return self._bad(where, f"/start {bad} must be bare msisdns (digits, no '+' or tel:): "
                                    f"to={body['to']!r} from={body['from']!r}", ctx)
        if e164(body["from"]) != st.msisdn:
            return self._bad(where, f"from {body['from']!r} is not the line's number {st.msisdn}",
                             ctx)
        for m in sdpcheck.lint(body["sdp"], "offer"):
            st.add_lint(where, "offer: " + m)
        # Short numbers (911, 611) are service numbers, never E.164.
        to = body["to"] if len(body["to"]) <= 6 else e164(body["to"])
        call_id = secrets.token_hex(20).upper()
        call = Call(call_id, "out", to, self.behaviour_for(to), "dialing", client_correlator=corr)
        call.offer = "device"
        call.history.append([now_ms(), "dialing", f"to {to}"])
        call.farend = self._new_farend(call_id)
        try:
            await call.farend.set_remote_offer(body["sdp"])
        except Exception as e:
            await call.farend.close()
            return self._bad(where, f"offer SDP not usable: {e}", ctx)
        self.calls[call_id] = call
        if corr:
            self.by_correlator[corr] = call_id
        call.start_request = {"to": body["to"], "from": body["from"], "callId": call_id,
                              "clientCorrelator": corr}
        self._record(call, request, ctx)
        st.event("call_start", call_id=call_id, to=to, behaviour=call.behaviour)
        st.say(f"call {call_id[:8]}: device dials {to} -> behaviour {call.behaviour}")
        call.task = self._spawn(self._run_behaviour(call))
        return web.json_response(call.start_request)

    async def _answer_sdp(self, call: Call) -> str:
        return await call.farend.create_answer()

    async def _run_behaviour(self, call: Call) -> None:
        cfg = self.state.config
        steps = BEHAVIOURS.get(call.behaviour)
        if steps is None:
            self.state.violation("config", f"unknown behaviour {call.behaviour!r}; using "
                                           "ring_answer")
            steps = BEHAVIOURS["ring_answer"]
        try:
            await asyncio.sleep(START_DELAY_S)
            for step in steps:
                if call.state == "ended":
                    return
                kind = step[0]
                if kind == "wait":
                    await asyncio.sleep(cfg.ring_delay_s if step[1] == "ring" else step[1])
                elif kind == "status":
                    self.send_status(call, step[1], step[2])
                    call.set_state({"InProgress": "proceeding", "Ringing": "ringing",
                                    "Proceeding": "proceeding"}.get(step[1], call.state)
                                   if call.state not in ("early",) else call.state, step[1])
                elif kind == "early":
                    await self.send_early_media(call)
                elif kind == "answer":
                    await self.answer(call)
                elif kind == "echo":
                    call.farend.tone.echo = True
                elif kind == "end":
                    self.send_status(call, step[1], step[2])
                    await self.end_call(call, step[1], "network")
                elif kind == "hold":
                    await self.network_offer(call, "hold")
                elif kind == "resume":
                    await self.network_offer(call, "resume")
        except asyncio.CancelledError:
            pass
        except Exception as e:
            self.state.event("behaviour_error", call_id=call.id, error=repr(e))
            self.state.say(f"call {call.id[:8]}: behaviour failed: {e!r}")

    async def send_early_media(self, call: Call) -> None:
        sdp = await self._answer_sdp(call)
        call.answer_sent = True
        call.offer = None
        call.farend.tone.freq = self.state.config.early_tone_hz
        self.send_status(call, "InProgress", 183, sdp=sdp, earlyMediaDirection="SendRecv")
        call.set_state("early", "early media")

    async def answer(self, call: Call) -> None:
        """MO: the called party answers -> Connected (with the answer unless early media
        already carried it)."""
        if call.direction != "out" or call.state in ("ended", "connected"):
            return
        sdp = None
        if not call.answer_sent:
            sdp = await self._answer_sdp(call)
            call.answer_sent = True
            call.offer = None
        if not call.farend.tone.echo:
            call.farend.tone.freq = self.state.config.tone_hz
        self.send_status(call, "Connected", 200, sdp=sdp)
        call.set_state("connected", "answered")

    async def network_offer(self, call: Call, what: str) -> int:
        """Remote hold / resume / renegotiation: our offer in a Hold / Resume /
        Connected status; the device answers on acceptHold / acceptResume / renegotiate."""
        if call.offer is not None:
            raise web.HTTPConflict(text=json.dumps({"error": f"offer outstanding: {call.offer}"}),
                                   content_type="application/json")
        direction = "sendonly" if what == "hold" else "sendrecv"
        sdp = await call.farend.create_offer(direction)
        call.offer = "network:" + what
        status = {"hold": "Hold", "resume": "Resume", "renegotiate": "Connected"}[what]
        if what == "hold":
            call.set_state("remote_holding", "network hold offer")
        return self.send_status(call, status, None, sdp=sdp)

    async def progress(self, request: web.Request):
        st = self.state
        action = request.path.split("/")[1]
        call_id = request.match_info["callId"]
        where = f"POST /{action}"
        ctx = await self.checker.check(request, "api")
        if isinstance(ctx, web.Response):
            self._record_refused(call_id, request, ctx)
            return ctx
        call = self.calls.get(call_id)
        if call is None:
            return self._bad(where, f"unknown callId {call_id}", ctx, 404)
        self._record(call, request, ctx)
        if call.state == "ended":
            # Not a violation: the network may have ended the call meanwhile.
            st.event("late_request", call_id=call_id, action=action)
            return call_proxy_error(404, "CALL_NOT_FOUND")
        body = ctx.json if isinstance(ctx.json, dict) else {}
        sdp = body.get("sdp")
        if sdp is not None and not isinstance(sdp, str):
            return self._bad(where, "sdp is not a string", ctx)
        needs_sdp = action in ("connected", "hold", "resume", "acceptHold", "acceptResume",
                               "renegotiate")
        if needs_sdp and not sdp:
            return self._bad(where, f"/{action} without an sdp", ctx)
        try:
            return await self._progress(call, action, sdp, where, ctx)
        except web.HTTPException:
            raise
        except Exception as e:
            return self._bad(where, f"/{action}: SDP not usable: {e!r}", ctx)

    async def _progress(self, call: Call, action: str, sdp: str | None, where: str, ctx):
        st = self.state
        ok = web.json_response({})
        if action in ("inProgress", "ringing", "proceeding"):
            if call.direction != "in":
                return self._bad(where, f"/{action} is for incoming calls; {call.id} is outgoing",
                                 ctx)
            if call.state not in ("offered", "proceeding", "ringing"):
                return self._bad(where, f"/{action} in state {call.state}", ctx)
            call.set_state("ringing" if action == "ringing" else "proceeding", action)
            return ok
        if action == "connected":
            if call.direction != "in" or call.offer != "network:invite":
                return self._bad(where, f"/connected without an incoming offer outstanding "
                                        f"(direction {call.direction}, state {call.state})", ctx)
            for m in sdpcheck.lint(sdp, "answer"):
                st.add_lint(where, "answer: " + m)
            await call.farend.set_remote_answer(sdp)
            call.offer = None
            call.farend.tone.freq = st.config.tone_hz
            call.set_state("connected", "answered by the device")
            st.say(f"call {call.id[:8]}: device answered")
            return ok
        if action in ("hold", "resume"):
            if call.offer is not None:
                return self._bad(where, f"/{action} while an offer is outstanding ({call.offer})",
                                 ctx)
            want = "sendonly" if action == "hold" else "sendrecv"
            if action == "hold" and call.state != "connected":
                return self._bad(where, f"/hold in state {call.state}", ctx)
            if action == "resume" and call.state != "held":
                return self._bad(where, f"/resume in state {call.state}", ctx)
            for m in sdpcheck.lint(sdp, "offer", direction=want):
                st.add_lint(where, "re-offer: " + m)
            await call.farend.set_remote_offer(sdp)
            call.offer = "device"
            self._spawn(self._answer_reoffer(call, "Hold" if action == "hold" else "Resume",
                                             "held" if action == "hold" else "connected"))
            return ok
        if action in ("acceptHold", "acceptResume"):
            want = "network:hold" if action == "acceptHold" else "network:resume"
            if call.offer != want:
                return self._bad(where, f"/{action} without a network {want[8:]} offer "
                                        f"(outstanding: {call.offer})", ctx)
            for m in sdpcheck.lint(sdp, "answer",
                                   direction="recvonly" if action == "acceptHold" else "sendrecv"):
                st.add_lint(where, "answer: " + m)
            await call.farend.set_remote_answer(sdp)
            call.offer = None
            call.set_state("remote_held" if action == "acceptHold" else "connected", action)
            return ok
        if action == "renegotiate":
            if call.offer == "network:renegotiate":
                for m in sdpcheck.lint(sdp, "answer"):
                    st.add_lint(where, "answer: " + m)
                await call.farend.set_remote_answer(sdp)
                call.offer = None
                call.history.append([now_ms(), call.state, "renegotiated (network offer)"])
                return ok
            if call.offer is not None:
                return self._bad(where, f"/renegotiate while an offer is outstanding "
                                        f"({call.offer})", ctx)
            for m in sdpcheck.lint(sdp, "offer"):
                st.add_lint(where, "offer: " + m)
            await call.farend.set_remote_offer(sdp)
            call.offer = "device"
            self._spawn(self._answer_reoffer(call, "Connected", call.state))
            return ok
        return self._bad(where, f"unhandled action {action}", ctx)

    async def _answer_reoffer(self, call: Call, status: str, new_state: str) -> None:
        await asyncio.sleep(0.1)   # the answer follows the 200, as from a real network
        try:
            sdp = await call.farend.create_answer()
        except Exception as e:
            self.state.event("reoffer_failed", call_id=call.id, error=repr(e))
            return
        call.offer = None
        if call.state == "ended":
            return
        call.set_state(new_state, f"{status} answer")
        self.send_status(call, status, None, sdp=sdp)

    async def end(self, request: web.Request):
        st = self.state
        call_id = request.match_info["callId"]
        where = "DELETE /end"
        ctx = await self.checker.check(request, "api")
        if isinstance(ctx, web.Response):
            self._record_refused(call_id, request, ctx)
            return ctx
        call = self.calls.get(call_id)
        if call is None:
            return self._bad(where, f"unknown callId {call_id}", ctx, 404)
        self._record(call, request, ctx)
        reasons = request.headers.getall("reason", [])
        reason = reasons[0] if len(reasons) == 1 else None
        if reason is None:
            st.add_lint(where, f"reason header sent {len(reasons)} times (expected once)")
        elif reason not in ("Terminated", "Declined", "Busy", "SessionCancelled"):
            st.add_lint(where, f"unusual reason {reason!r}")
        if call.state == "ended":
            st.event("late_request", call_id=call_id, action="end")
            return call_proxy_error(404, "CALL_NOT_FOUND")
        await self.end_call(call, reason or "Terminated", "device")
        return web.json_response({})

    # --- admin-triggered ------------------------------------------------------------------
    async def incoming(self, frm: str, verification: str = "TN-Validation-Passed",
                       name: str | None = None) -> Call:
        st = self.state
        call_id = secrets.token_hex(20).upper()
        peer = e164(frm)
        call = Call(call_id, "in", peer, "incoming", "offered", verification_status=verification)
        call.farend = self._new_farend(call_id)
        sdp = await call.farend.create_offer("sendrecv")
        call.offer = "network:invite"
        self.calls[call_id] = call
        call.history.append([now_ms(), "offered", f"from {peer}"])
        v = {"originatorAddress": "tel:" + peer, "receiverAddress": "tel:" + st.msisdn,
             "callObjectRef": self._ref(call_id), "sdp": sdp,
             "verificationStatus": verification, "serverCorrelator": str(uuid.uuid4())}
        if name:
            v["originatorName"] = name
        nid = st.channels.notify("sessionInvitationNotification", v, call_id=call_id)
        call.notifications.append({"notificationId": nid, "status": "Invitation", "sdp": True,
                                   "t_ms": now_ms()})
        st.event("call_incoming", call_id=call_id, frm=peer)
        st.say(f"call {call_id[:8]}: incoming from {peer}")
        return call

    async def admin_action(self, call: Call, action: str, body: dict) -> dict:
        if call.state == "ended":
            raise web.HTTPConflict(text=json.dumps({"error": "call has ended"}),
                                   content_type="application/json")
        if action in ("hold", "resume", "renegotiate"):
            nid = await self.network_offer(call, action)
            return {"notificationId": nid}
        if action == "cancel":
            nid = self.send_status(call, "SessionCancelled", 487)
            await self.end_call(call, "SessionCancelled", "network")
            return {"notificationId": nid}
        if action == "terminate":
            nid = self.send_status(call, "Terminated", None)
            await self.end_call(call, "Terminated", "network")
            return {"notificationId": nid}
        if action == "answer":
            if call.task:
                call.task.cancel()
            await self.answer(call)
            return {"state": call.state}
        if action == "early":
            await self.send_early_media(call)
            return {"state": call.state}
        if action == "reject":
            status = body.get("status", "Declined")
            if status not in END_STATUSES:
                raise web.HTTPBadRequest(text=json.dumps({"error": f"status {status}"}),
                                         content_type="application/json")
            if call.task:
                call.task.cancel()
            nid = self.send_status(call, status, body.get("responseCode"))
            await self.end_call(call, status, "network")
            return {"notificationId": nid}
        if action == "status":
            # Any status, e.g. a late Ringing after Connected; nothing else changes.
            extra = {k: v for k, v in body.items() if k not in ("status", "responseCode", "sdp")}
            nid = self.send_status(call, body.get("status", "Ringing"), body.get("responseCode"),
                                   sdp=body.get("sdp"), **extra)
            return {"notificationId": nid}
        if action == "tone":
            call.farend.tone.echo = False
            call.farend.tone.freq = float(body.get("hz", self.state.config.tone_hz))
            return {"playing_hz": call.farend.tone.freq}
        if action == "echo":
            call.farend.tone.echo = bool(body.get("on", True))
            return {"echo": call.farend.tone.echo}
        raise web.HTTPNotFound(text=json.dumps({"error": f"unknown call action {action}"}),
                               content_type="application/json")

    def summary(self) -> dict:
        return {cid: c.summary() for cid, c in self.calls.items()}

    async def close_all(self) -> None:
        for c in list(self.calls.values()):
            if c.farend is not None and c.state != "ended":
                try:
                    await c.farend.close()
                except Exception:
                    pass
