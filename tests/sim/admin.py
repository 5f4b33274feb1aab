"""Admin API: plain HTTP + JSON on 127.0.0.1, for tests and for people.
See README.md for the reference."""

from __future__ import annotations

import dataclasses
import json

from aiohttp import web

from calls import BEHAVIOURS, NUMBERS, PROGRESS_ACTIONS, CallManager, e164
from channel import ChannelHub
from state import SimState

CHANNEL_FAULTS = ("no_pong", "close_1012", "close_1001", "upgrade_410", "malformed_frame",
                  "big_frame", "duplicate_notification")


def _json_error(exc_cls, msg: str):
    return exc_cls(text=json.dumps({"error": msg}), content_type="application/json")


class AdminApi:
    def __init__(self, state: SimState, hub: ChannelHub, calls: CallManager, info: dict):
        self.state = state
        self.hub = hub
        self.calls = calls
        self.info = info   # the ready line's content

    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes([
            web.get("/", self.index),
            web.get("/state", self.get_state),
            web.get("/events", self.get_events),
            web.get("/violations", self.get_violations),
            web.post("/reset", self.reset),
            web.get("/config", self.get_config),
            web.post("/config", self.post_config),
            web.post("/fault", self.fault),
            web.post("/notify", self.notify),
            web.get("/calls", self.get_calls),
            web.post("/call/incoming", self.incoming),
            web.get("/call/{callId}", self.get_call),
            web.get("/call/{callId}/audio", self.get_audio),
            web.post("/call/{callId}/{action}", self.call_action),
        ])
        return app

    async def _body(self, request) -> dict:
        if not request.can_read_body:
            return {}
        try:
            b = await request.json()
        except ValueError:
            raise _json_error(web.HTTPBadRequest, "body is not JSON")
        if not isinstance(b, dict):
            raise _json_error(web.HTTPBadRequest, "body is not a JSON object")
        return b

    async def index(self, request):
        text = ("YNA simulator admin API\n\n" + json.dumps(self.info, indent=2) + "\n\n"
                "GET  /state /events?since=SEQ /violations /config /calls /call/{id} "
                "/call/{id}/audio\n"
                "POST /config /fault /notify /reset /call/incoming /call/{id}/{action}\n"
                "See tests/sim/README.md.\n")
        return web.Response(text=text)

    def _config_dict(self) -> dict:
        return {k: getattr(self.state.config, k) for k in self.state.config.UPDATABLE}

    async def get_state(self, request):
        st = self.state
        out = {"info": self.info, "counters": st.counters, "tokens": st.token_summary(),
               "links": st.links, "config": self._config_dict(), "faults_armed": list(st.faults),
               "http_faults": st.http_faults, "channel": self.hub.summary(),
               "calls": self.calls.summary(), "violations": st.violations, "lint": st.lint}
        if request.query.get("events", "1") != "0":
            since = int(request.query.get("since", "0"))
            out["events"] = [e for e in st.events if e["seq"] > since]
        return web.json_response(out)

    async def get_events(self, request):
        since = int(request.query.get("since", "0"))
        kind = request.query.get("kind")
        ev = [e for e in self.state.events if e["seq"] > since and (kind is None or
                                                                     e["kind"] == kind)]
        return web.json_response({"events": ev, "last_seq": self.state.event_seq})

    async def get_violations(self, request):
        return web.json_response({"violations": self.state.violations, "lint": self.state.lint})

    async def reset(self, request):
        st = self.state
        st.violations.clear()
        st.lint.clear()
        st.events.clear()
        return web.json_response({"ok": True})

    async def get_config(self, request):
        return web.json_response(self._config_dict())

    async def post_config(self, request):
        body = await self._body(request)
        cfg = self.state.config
        for k, v in body.items():
            if k not in cfg.UPDATABLE:
                raise _json_error(web.HTTPBadRequest, f"unknown config key {k}")
            cur = getattr(cfg, k)
            if k == "numbers":
                if not isinstance(v, dict) or not all(b in BEHAVIOURS for b in v.values()):
                    raise _json_error(web.HTTPBadRequest,
                                      f"numbers maps E.164 to one of {sorted(BEHAVIOURS)}")
                v = {e164(n): b for n, b in v.items()}
                cfg.numbers.update(v)
                continue
            if k == "default_behaviour" and v not in BEHAVIOURS:
                raise _json_error(web.HTTPBadRequest, f"behaviour must be one of "
                                                      f"{sorted(BEHAVIOURS)}")
            try:
                v = type(cur)(v) if not isinstance(cur, bool) else bool(v)
            except (TypeError, ValueError):
                raise _json_error(web.HTTPBadRequest, f"{k}: bad value {v!r}")
            setattr(cfg, k, v)
            if k == "loss_pct":
                import farend  # yna_sim imports it at start-up
                farend.LOSS["pct"] = float(v)
        self.state.event("config", changes=body)
        return web.json_response(self._config_dict())

    async def fault(self, request):
        body = await self._body(request)
        name = body.get("name")
        st = self.state
        st.event("fault", **body)
        if name in CHANNEL_FAULTS:
            res = await self.hub.fault(name)
        elif name == "expire_token":
            res = {"invalidated": st.expire_access_tokens()}
        elif name == "http_500_once":
            st.http_faults.append({"name": name, "prefixes": [f"/{a}/" for a in PROGRESS_ACTIONS],
                                   "method": "POST", "status": 500, "call_api": True})
            res = {"armed": True}
        elif name == "http_status_once":
            path, status = body.get("path"), body.get("status", 503)
            if not isinstance(path, str) or not isinstance(status, int):
                raise _json_error(web.HTTPBadRequest, "http_status_once needs path and status")
            st.http_faults.append({"name": name, "prefixes": [path], "method": body.get("method"),
                                   "status": status,
                                   "call_api": not path.startswith(("/account", "/oauth"))})
            res = {"armed": True}
        elif name == "refresh_invalid":
            st.faults["refresh_invalid"] = True
            res = {"armed": True}
        else:
            raise _json_error(web.HTTPBadRequest, f"unknown fault {name!r}")
        return web.json_response({"fault": name, **res})

    async def notify(self, request):
        """{"notifications":[{"<type>": {...}}, ...], "duplicate": false}: each is sent
        (and tracked) on its own; notificationReference is filled in when absent."""
        body = await self._body(request)
        items = body.get("notifications")
        if not isinstance(items, list) or not items:
            raise _json_error(web.HTTPBadRequest, "notifications: non-empty list expected")
        nids = []
        for it in items:
            if not isinstance(it, dict) or len(it) != 1:
                raise _json_error(web.HTTPBadRequest, "each notification is {type: value}")
            (ntype, value), = it.items()
            if not isinstance(value, dict):
                raise _json_error(web.HTTPBadRequest, "notification value must be an object")
            ref = value.get("callObjectRef", "")
            call_id = ref.rsplit("/", 1)[-1] if isinstance(ref, str) and ref else None
            nids.append(self.hub.notify(ntype, value, call_id=call_id,
                                        duplicate=bool(body.get("duplicate"))))
        return web.json_response({"notificationIds": nids})

    async def get_calls(self, request):
        return web.json_response(self.calls.summary())

    def _call(self, request):
        c = self.calls.calls.get(request.match_info["callId"])
        if c is None:
            raise _json_error(web.HTTPNotFound, "no such call")
        return c

    async def get_call(self, request):
        return web.json_response(self._call(request).summary())

    async def get_audio(self, request):
        c = self._call(request)
        rep = c.farend.audio_report(int(request.query.get("since_ms", "0")))
        rep["wav"] = c.farend.save_wav()
        return web.json_response(rep)

    async def incoming(self, request):
        body = await self._body(request)
        frm = body.get("from")
        if not isinstance(frm, str):
            raise _json_error(web.HTTPBadRequest, "from (a phone number) is required")
        call = await self.calls.incoming(frm, body.get("verificationStatus",
                                                       "TN-Validation-Passed"), body.get("name"))
        return web.json_response({"callId": call.id, "callObjectRef": self.calls._ref(call.id)})

    async def call_action(self, request):
        c = self._call(request)
        body = await self._body(request)
        res = await self.calls.admin_action(c, request.match_info["action"], body)
        return web.json_response({"callId": c.id, **res})
