#!/usr/bin/python3
"""Kazoo and jambonz account API simulator (services.md), written from the seed
documents: docs/kazoo-phone-numbers-api.md and docs/jambonz-api-swagger.txt.

HTTPS on 127.0.0.1 with the test CA of pki.py (one port, both platforms:
Kazoo under /v2, jambonz under /v1), and a plain-HTTP admin API on another
port. Prints one JSON line when ready:

  {"ready": true, "url": "https://127.0.0.1:PORT", "admin": "http://127.0.0.1:APORT",
   "ca_file": ..., "config_fragment": ...}   (the fragment holds "kazoo" and "jambonz")

Admin API (JSON bodies):
  POST /fault {"name": N, "count": K}  the next K matching requests fail:
        kazoo_401     a valid token is refused (as when it expires)
        kazoo_500     Kazoo answers 500 with its error envelope
        kazoo_malformed  Kazoo answers 200 with a body that is not JSON
        kazoo_slow    Kazoo answers after {"delay_s": S} (default 15)
        jambonz_500, jambonz_malformed, jambonz_slow  the same for jambonz
        kazoo_classifiers_500, kazoo_classifiers_malformed  only the classifiers' GET fails
        kazoo_number_gone   the next activation finds the number taken (409)
        jambonz_calls_400   createCall refuses the call ({"msg": ...}, 400)
  POST /e911_mode {"mode": "ok"|"invalid"|"multiple_choice"}  how the next
        E911 POSTs are judged (default: an address whose street contains
        "NOWHERE" is invalid, one whose street has no number is ambiguous)
  POST /classifiers {"data": {...}}  what GET .../phone_numbers/classifiers
        answers from now on (default: the doc's "Load classifiers" set, each
        regex escaped once as real Kazoo sends it, plus a four-digit
        "extension" classifier the built-in plans do not have)
  GET  /state    numbers, tokens issued, requests seen, calls created, users rung
  GET  /requests every request: method, path, X-Auth-Token / Authorization kind

With --sip-ua URL (the httpd UI of a baresip registered at the SIP
registrar the device uses), createCall really rings: a `"type": "user"`
target has that user agent dial sip:<name>, as jambonz's SBC calls a
registered user, while the 201 goes back at once. The user agent plays
jambonz's side of the call (the application that then dials the
destination); GET /state lists each ring in `rung`.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
import urllib.parse
import uuid

from aiohttp import ClientSession, ClientTimeout, web
from yarl import URL

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pki  # noqa: E402

HOST = "127.0.0.1"
ACCOUNT_ID = "4b8c6fec4b2597882c0390202d195419"
API_KEY = "kazoo-sim-api-key-0123456789abcdef"
ACCOUNT_SID = "9351f46a-678c-43f5-b8a6-d4eb58d131af"
JAMBONZ_KEY = "7a1c0f6e-2f8b-4a57-9c1e-3b2d8e6f1a00"
NUMBER = "+14155550100"

# The doc's "Load classifiers" answer, each regex escaped once (services.md
# section 3), and one classifier of our own that the built-in plans lack.
CLASSIFIERS = {
    "tollfree_us": {"regex": "^\\+1((?:800|888|877|866|855)\\d{7})$", "friendly_name": "US TollFree",
                    "pretty_print": "SS(###) ### - ####"},
    "toll_us": {"regex": "^\\+1(900\\d{7})$", "friendly_name": "US Toll", "pretty_print": "SS(###) ### - ####"},
    "emergency": {"regex": "^(911)$", "friendly_name": "Emergency Dispatcher"},
    "caribbean": {"regex": "^\\+?1((?:684|264|268|242|246|441|284|345|767|809|829|849|473|671|876|664|670|787|939|"
                           "869|758|784|721|868|649|340)\\d{7})$", "friendly_name": "Caribbean",
                  "pretty_print": "SS(###) ### - ####"},
    "did_us": {"regex": "^\\+?1?([2-9][0-9]{2}[2-9][0-9]{6})$", "friendly_name": "US DID",
               "pretty_print": "SS(###) ### - ####"},
    "extension": {"regex": "^(5\\d{3})$", "friendly_name": "Office extension"},
    "international": {"regex": "^(011\\d*)$|^(00\\d*)$", "friendly_name": "International"},
    "unknown": {"regex": "^(.*)$", "friendly_name": "Unknown"},
}

# Numbers on offer to GET /v2/phone_numbers?prefix=..., by prefix.
def offered(prefix: str, quantity: int, offset: int):
    out = []
    for i in range(offset, offset + quantity):
        n = f"+1{prefix}{233 + i:03d}{8397 + i:04d}"[:12]
        if len(prefix) != 3:
            break
        out.append({"e164": n, "formatted_number": f"1-{n[2:5]}-{n[5:8]}-{n[8:]}", "npa_nxx": n[2:8],
                    "number": n, "number_id": str(uuid.uuid4()).upper(),
                    "rate_center": {"lata": "722", "name": "SAN RAFAEL", "state": "CA"},
                    "status": "Available", "ten_digit": n[2:]})
    return out


class State:
    def __init__(self, calls: int, sip_ua: str | None = None):
        self.sip_ua = sip_ua  # baresip's httpd UI, or None: createCall rings nobody
        self.rung: list[dict] = []  # {"sid", "uri", "ok", "answer"} per ring ordered
        self.tokens: set[str] = set()
        self.faults: dict[str, dict] = {}
        self.e911_mode = "auto"
        self.requests: list[dict] = []
        self.numbers = {
            NUMBER: {"id": NUMBER, "assigned_to": ACCOUNT_ID, "created": 63602230185, "features": {},
                     "state": "in_service", "updated": 63602230212, "used_by": "callflow",
                     "my_own_field": {"kept": True}},
            "+14158865100": {"id": "+14158865100", "assigned_to": ACCOUNT_ID, "created": 63624719324,
                             "features": {}, "state": "in_service", "updated": 63624719325, "used_by": ""},
        }
        self.posted: list[dict] = []  # E911 POST bodies as received
        self.classifiers = CLASSIFIERS
        self.created_calls: list[dict] = []  # createCall bodies as received
        now_ms = int(time.time() * 1000)
        self.calls = []
        for i in range(calls):  # newest first, one every 10 minutes
            start = now_ms - (i + 1) * 600_000
            answered = i % 3 != 2
            self.calls.append({
                "account_sid": ACCOUNT_SID, "call_sid": str(uuid.UUID(int=i + 1)),
                "from": "+14155550100" if i % 2 else "+12065550142",
                "to": "+12065550142" if i % 2 else "+14155550100",
                "direction": "outbound" if i % 2 else "inbound", "answered": answered,
                "sip_call_id": f"{i}@sim", "sip_status": 200 if answered else 486,
                "duration": 60 + i if answered else 0, "attempted_at": start,
                "answered_at": start + 3000 if answered else None, "terminated_at": start + 63000,
                "termination_reason": "caller hungup" if answered else "busy",
                "host": "10.0.0.1", "remote_host": "10.0.0.2", "trunk": "sim"})
        self.alerts = [
            {"time": "2024-05-02T10:00:00.000Z", "account_sid": ACCOUNT_SID, "alert_type": "device-limit",
             "message": "Device limit reached", "detail": "limit 2"},
            {"time": "2024-05-01T09:00:00.000Z", "account_sid": ACCOUNT_SID, "alert_type": "no-carrier",
             "message": "No carrier available for outbound call", "detail": ""},
        ]

    def take_fault(self, name: str):
        f = self.faults.get(name)
        if not f or f["count"] <= 0:
            return None
        f["count"] -= 1
        return f


def kazoo_error(code: int, message: str, data=None):
    return web.json_response({"data": data or {"message": message}, "error": str(code), "message": message,
                              "request_id": uuid.uuid4().hex, "status": "error"}, status=code)


def envelope(data, token=""):
    return {"auth_token": token, "data": data, "request_id": uuid.uuid4().hex, "revision": "undefined",
            "status": "success"}


def judge_address(st: State, addr: dict) -> str:
    if st.e911_mode != "auto":
        return st.e911_mode
    street = addr.get("street_address", "")
    if "NOWHERE" in street.upper():
        return "invalid"
    if not street[:1].isdigit():
        return "multiple_choice"
    return "ok"


def make_app(st: State) -> web.Application:
    @web.middleware
    async def record(request, handler):
        entry = {"method": request.method, "path": request.path_qs,
                 "x_auth_token": request.headers.get("X-Auth-Token"),
                 "authorization": (request.headers.get("Authorization") or "").split(" ")[0]}
        st.requests.append(entry)
        platform = "kazoo" if request.path.startswith("/v2/") else "jambonz"
        slow = st.take_fault(platform + "_slow")
        if slow:
            await asyncio.sleep(slow.get("delay_s", 15))
        return await handler(request)

    async def kazoo_checks(request, platform="kazoo"):
        if request.headers.get("X-Auth-Token") not in st.tokens:
            return kazoo_error(401, "invalid_credentials")
        if st.take_fault("kazoo_401"):
            st.tokens.discard(request.headers.get("X-Auth-Token"))
            return kazoo_error(401, "invalid_credentials")
        if request.match_info.get("account") != ACCOUNT_ID:
            return kazoo_error(403, "forbidden")
        if st.take_fault("kazoo_500"):
            return kazoo_error(500, "unauthorized", {"message": "unknown failure",
                                                     "unauthorized": "Not authorized"})
        if st.take_fault("kazoo_malformed"):
            return web.Response(text='{"data": {"numbers": ', content_type="application/json")
        return None

    async def api_auth(request):
        body = await request.json()
        if body.get("data", {}).get("api_key") != API_KEY:
            return kazoo_error(401, "invalid_credentials")
        token = uuid.uuid4().hex
        st.tokens.add(token)
        return web.json_response(envelope({"account_id": ACCOUNT_ID}, token) | {"auth_token": token}, status=201)

    async def list_numbers(request):
        if (r := await kazoo_checks(request)) is not None:
            return r
        numbers = {n: {k: v for k, v in d.items() if k not in ("id", "my_own_field", "dash_e911")}
                   for n, d in st.numbers.items()}
        return web.json_response(envelope({"casquade_quantity": 0, "numbers": numbers},
                                          request.headers["X-Auth-Token"]))

    async def classifiers(request):
        if (r := await kazoo_checks(request)) is not None:
            return r
        if st.take_fault("kazoo_classifiers_500"):
            return kazoo_error(500, "internal_error")
        if st.take_fault("kazoo_classifiers_malformed"):
            return web.Response(text='{"data": {"did_us": ', content_type="application/json")
        return web.json_response(envelope(st.classifiers, request.headers["X-Auth-Token"]))

    async def search(request):
        # Not under an account, but still a signed-in request.
        if request.headers.get("X-Auth-Token") not in st.tokens:
            return kazoo_error(401, "invalid_credentials")
        if st.take_fault("kazoo_500"):
            return kazoo_error(500, "unauthorized", {"message": "unknown failure"})
        try:
            prefix, quantity = request.query["prefix"], int(request.query["quantity"])
            offset = int(request.query.get("offset", "0"))
        except (KeyError, ValueError):
            return kazoo_error(400, "invalid data")
        taken = set(st.numbers)
        found = [n for n in offered(prefix, quantity + len(taken), offset) if n["number"] not in taken][:quantity]
        return web.json_response(envelope(found, request.headers["X-Auth-Token"]))

    async def activate(request):
        if (r := await kazoo_checks(request)) is not None:
            return r
        number = request.match_info["number"]
        prefix = number[2:5] if number.startswith("+1") else ""
        if st.take_fault("kazoo_number_gone") or number in st.numbers or \
                number not in {n["number"] for n in offered(prefix, 50, 0)}:
            return web.json_response({"data": {"cause": number, "code": 409, "error": "number_not_available",
                                               "message": f"number {number} is not available"},
                                      "error": "409", "message": "number_not_available",
                                      "request_id": uuid.uuid4().hex, "status": "error"}, status=409)
        doc = {"id": number, "assigned_to": ACCOUNT_ID, "created": 63627604811, "features": {},
               "state": "in_service", "updated": 63627604811, "used_by": ""}
        st.numbers[number] = doc
        return web.json_response(envelope(doc, request.headers["X-Auth-Token"]), status=201)

    async def get_number(request):
        if (r := await kazoo_checks(request)) is not None:
            return r
        doc = st.numbers.get(request.match_info["number"])
        if doc is None:
            return kazoo_error(404, "bad_identifier", {"message": "bad identifier",
                                                       "not_found": "The number could not be found"})
        return web.json_response(envelope(doc, request.headers["X-Auth-Token"]))

    async def post_number(request):
        if (r := await kazoo_checks(request)) is not None:
            return r
        number = request.match_info["number"]
        if number not in st.numbers:
            return kazoo_error(404, "bad_identifier")
        try:
            data = (await request.json())["data"]
        except (ValueError, KeyError, TypeError):
            return kazoo_error(400, "invalid data")
        st.posted.append(data)
        addr = data.get("dash_e911") or {}
        verdict = judge_address(st, addr)
        cause = {k: addr.get(k, "") for k in ("postal_code", "street_address", "extended_address",
                                              "locality", "region")}
        if verdict == "invalid":
            return web.json_response({"data": {"address": {"invalid": {
                "cause": cause, "message": "Location is not geocoded", "provider": "dash_e911"}}},
                "error": "400", "message": "invalid data", "status": "error"}, status=400)
        if verdict == "multiple_choice":
            details = [dict(cause, street_address="100 " + cause["street_address"].upper()),
                       dict(cause, street_address="200 " + cause["street_address"].upper())]
            return web.json_response({"data": {"multiple_choice": {"dash_e911": {
                "cause": cause, "details": details, "message": "more than one address found"}}},
                "error": "400", "message": "multiple_choice", "status": "error"}, status=400)
        validated = {k: v.upper() for k, v in cause.items() if v}
        validated.update({"caller_name": "Valued Customer", "latitude": "37.786861", "longitude": "-122.399484",
                          "location_id": "27578725", "status": "PROVISIONED"})
        data["dash_e911"] = validated
        st.numbers[number] = data  # a POST replaces the document
        return web.json_response({"data": data, "status": "success"})

    def jambonz_checks(request):
        if request.headers.get("Authorization") != f"Bearer {JAMBONZ_KEY}":
            return web.json_response({"msg": "unauthorized"}, status=401)
        if request.match_info["sid"] != ACCOUNT_SID:
            return web.json_response({"msg": "account not found"}, status=404)
        if st.take_fault("jambonz_500"):
            return web.json_response({"msg": "internal error"}, status=500)
        if st.take_fault("jambonz_malformed"):
            return web.Response(text="<html>bad gateway</html>", content_type="application/json")
        try:
            page, count = int(request.query["page"]), int(request.query["count"])
        except (KeyError, ValueError):
            return web.json_response({"msg": "page and count are required"}, status=400)
        if page < 1 or count < 1:
            return web.json_response({"msg": "bad page or count"}, status=400)
        return page, count

    def paged(rows, page, count):
        chunk = rows[(page - 1) * count: page * count]
        return web.json_response({"total": len(rows), "batch": len(chunk), "page": page, "data": chunk})

    async def recent_calls(request):
        r = jambonz_checks(request)
        if isinstance(r, web.Response):
            return r
        return paged(st.calls, *r)

    async def alerts(request):
        r = jambonz_checks(request)
        if isinstance(r, web.Response):
            return r
        return paged(st.alerts, *r)

    rings: set = set()  # tasks under way (kept referenced until done)

    async def ring_user(ring):
        """baresip's long command /dial through its httpd UI (/raw/ answers in
        plain text; every reserved character escaped: libre's URI unescaping
        refuses a bare '@')."""
        # encoded=True: yarl would otherwise unescape the '@' again.
        url = URL(st.sip_ua + "/raw/?" + urllib.parse.quote("/dial " + ring["uri"], safe=""), encoded=True)
        try:
            async with ClientSession(timeout=ClientTimeout(total=5)) as http:
                async with http.get(url) as r:
                    ring["answer"] = (await r.text()).strip()
                    ring["ok"] = r.status == 200
        except Exception as e:  # noqa: BLE001 -- kept for the test to show
            ring["ok"], ring["answer"] = False, f"{type(e).__name__}: {e}"
        finally:
            rings.discard(asyncio.current_task())

    async def create_call(request):
        """POST /Accounts/{sid}/Calls (the swagger's createCall)."""
        if request.headers.get("Authorization") != f"Bearer {JAMBONZ_KEY}":
            return web.json_response({"msg": "unauthorized"}, status=401)
        if request.match_info["sid"] != ACCOUNT_SID:
            return web.json_response({"msg": "account not found"}, status=404)
        if st.take_fault("jambonz_500"):
            return web.json_response({"msg": "internal error"}, status=500)
        if st.take_fault("jambonz_malformed"):
            return web.Response(text="<html>bad gateway</html>", content_type="application/json", status=201)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"msg": "body is not JSON"}, status=400)
        st.created_calls.append(body)
        if st.take_fault("jambonz_calls_400"):
            return web.json_response({"msg": "no carrier available for this destination"}, status=400)
        to = body.get("to") if isinstance(body, dict) else None
        if not isinstance(to, dict) or "from" not in body or \
                not (body.get("application_sid") or body.get("call_hook")):
            return web.json_response({"msg": "from, to and application_sid or call_hook are required"}, status=400)
        sid = str(uuid.uuid4())
        if st.sip_ua and to.get("type") == "user":
            name = to.get("name")
            if not isinstance(name, str) or name.count("@") != 1 or not all(name.split("@")):
                return web.json_response({"msg": "to.name must be user@domain"}, status=400)
            ring = {"sid": sid, "uri": "sip:" + name, "ok": None, "answer": ""}
            st.rung.append(ring)
            rings.add(asyncio.create_task(ring_user(ring)))
        return web.json_response({"sid": sid}, status=201)

    app = web.Application(middlewares=[record])
    app.add_routes([
        web.put("/v2/api_auth", api_auth),
        web.get("/v2/accounts/{account}/phone_numbers", list_numbers),
        web.get("/v2/phone_numbers", search),
        web.get("/v2/accounts/{account}/phone_numbers/classifiers", classifiers),
        web.put("/v2/accounts/{account}/phone_numbers/{number}/activate", activate),
        web.get("/v2/accounts/{account}/phone_numbers/{number}", get_number),
        web.post("/v2/accounts/{account}/phone_numbers/{number}", post_number),
        web.get("/v1/Accounts/{sid}/RecentCalls", recent_calls),
        web.get("/v1/Accounts/{sid}/Alerts", alerts),
        web.post("/v1/Accounts/{sid}/Calls", create_call),
    ])
    return app


def make_admin(st: State) -> web.Application:
    async def fault(request):
        body = await request.json()
        st.faults[body["name"]] = {**body, "count": int(body.get("count", 1))}
        return web.json_response({"ok": True})

    async def e911_mode(request):
        st.e911_mode = (await request.json())["mode"]
        return web.json_response({"ok": True})

    async def state(request):
        return web.json_response({"numbers": st.numbers, "tokens_issued": len(st.tokens),
                                  "posted": st.posted, "faults": st.faults, "created_calls": st.created_calls,
                                  "rung": st.rung})

    async def set_classifiers(request):
        st.classifiers = (await request.json())["data"]
        return web.json_response({"ok": True})

    async def requests(request):
        return web.json_response({"requests": st.requests})

    app = web.Application()
    app.add_routes([web.post("/fault", fault), web.post("/e911_mode", e911_mode),
                    web.post("/classifiers", set_classifiers),
                    web.get("/state", state), web.get("/requests", requests)])
    return app


async def run(args) -> None:
    d = os.path.abspath(args.dir)
    p = pki.ensure_pki(d)
    st = State(args.calls, args.sip_ua)
    runner = web.AppRunner(make_app(st), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, HOST, args.port, ssl_context=p.server_ssl_context(), reuse_address=True)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    admin_runner = web.AppRunner(make_admin(st), access_log=None, handle_signals=False)
    await admin_runner.setup()
    admin_site = web.TCPSite(admin_runner, HOST, args.admin_port, reuse_address=True)
    await admin_site.start()
    aport = admin_site._server.sockets[0].getsockname()[1]
    url = f"https://{HOST}:{port}"
    fragment = {
        "kazoo": {"api_url": url + "/v2", "account_id": ACCOUNT_ID, "api_key": API_KEY, "number": NUMBER,
                  "ca_file": p.ca_file},
        "jambonz": {"api_url": url + "/v1", "account_sid": ACCOUNT_SID, "api_key": JAMBONZ_KEY,
                    "click_to_call_app": str(uuid.UUID(int=7)), "ca_file": p.ca_file},
    }
    frag_path = os.path.join(d, "services-config-fragment.json")
    with open(frag_path, "w") as f:
        json.dump(fragment, f, indent=2)
    print(json.dumps({"ready": True, "url": url, "admin": f"http://{HOST}:{aport}", "ca_file": p.ca_file,
                      "config_fragment": frag_path}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    await admin_runner.cleanup()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Kazoo + jambonz account API simulator (HTTPS)")
    ap.add_argument("--dir", required=True, help="working directory: test PKI, config fragment")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--admin-port", type=int, default=0)
    ap.add_argument("--calls", type=int, default=14, help="call history rows (newest first)")
    ap.add_argument("--sip-ua", help="http://127.0.0.1:PORT of a baresip's httpd UI: createCall "
                                     "has it dial a user target")
    asyncio.run(run(ap.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
