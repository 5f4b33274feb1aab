"""HTTPS side of the simulator: request checking shared by every endpoint, and
the account endpoints of yna-wire.md sections 3 and 4 (linking, tokens, E911
page, registration status, unlink). Call endpoints live in calls.py, the
channel upgrade in channel.py; both use Checker from here.

Every rule break by the client is answered 400/401 with ErrorInfo *and*
recorded with SimState.violation(), which tests assert stays empty.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import time
import urllib.parse
from dataclasses import dataclass

from aiohttp import web

import pop
from state import SimState, now_ms

UUID4_RE = pop.UUID4_RE
EXPIRED_GRACE_S = 5   # using a token this long after its expiry is a client bug


def error_info(status: int, reason: str, message: str, headers=None) -> web.Response:
    body = {"errors": [{"reasonCode": reason, "systemMessage": message, "userMessage": message}]}
    return web.json_response(body, status=status, headers=headers)


def call_proxy_error(status: int, text: str) -> web.Response:
    return web.json_response({"returnCode": status, "status": text}, status=status)


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:8]


def redact_headers(headers) -> dict:
    """Headers for the event log: bearer/basic secrets replaced by a fingerprint,
    the PoP token (not secret, but long) shortened; its claims are logged apart."""
    out = {}
    for k, v in headers.items():
        lk = k.lower()
        if lk == "authorization":
            scheme, _, cred = v.partition(" ")
            v = f"{scheme} <redacted sha256:{fingerprint(cred)}>"
        elif lk == "x-authorization":
            v = f"<PoP {len(v)} chars>"
        elif lk == "cookie":
            v = "<redacted>"
        out[k] = v if k not in out else out[k] + ", " + v
    return out


@dataclass
class Ctx:
    """What a checked request carries."""
    txid: str | None
    link_id: str | None
    token: str | None
    json: object | None


class Checker:
    def __init__(self, state: SimState, public_key):
        self.state = state
        self.public_key = public_key
        self.jti_cache = pop.JtiCache()

    def _where(self, request) -> str:
        return f"{request.method} {request.path}"

    def bearer(self, request, where: str, value: str | None, errors: list, auth_errors: list):
        """Classify a bearer token. Returns the Token or None (then auth_errors is non-empty).
        A token retired by the expire_token fault is refused without a violation:
        the client did nothing wrong."""
        st = self.state
        if value is None:
            auth_errors.append(("Authorization header missing", True))
            return None
        scheme, _, tok = value.partition(" ")
        if scheme != "Bearer":
            if scheme.lower() == "bearer":
                st.add_lint(where, f"Authorization scheme spelled {scheme!r}, expected 'Bearer'")
            else:
                auth_errors.append((f"Authorization is not a Bearer token (scheme {scheme!r})", True))
                return None
        t = st.tokens.get(tok)
        if t is None:
            auth_errors.append(("unknown access token", True))
            return None
        if t.kind != "access":
            auth_errors.append((f"{t.kind} token used as a Bearer access token", True))
            return None
        if t.retired == "fault":
            auth_errors.append(("access token invalidated by the network (expire_token fault)", False))
            return None
        if t.retired:
            auth_errors.append((f"access token no longer valid ({t.retired})", True))
            return None
        now = time.time()
        if t.expires is not None and now > t.expires:
            late = now - t.expires
            auth_errors.append((f"access token expired {late:.1f} s ago", late > EXPIRED_GRACE_S))
            return None
        return t

    async def check(self, request: web.Request, kind: str):
        """kind: "api" (api_url/call_url), "token" (/oauth/token), "upgrade" (channel).
        Returns Ctx, or a web.Response to send instead."""
        st = self.state
        where = self._where(request)
        body: bytes = request.get("body", b"")
        errors: list[str] = []          # -> 400
        auth_errors: list[tuple] = []   # (message, is_violation) -> 401
        headers = request.headers

        def single(name):
            vals = headers.getall(name, [])
            if len(vals) > 1:
                errors.append(f"header {name} sent {len(vals)} times")
            return vals[0] if vals else None

        authz = single("Authorization")
        token_obj = None
        if kind == "token":
            expect = "Basic " + base64.b64encode(
                f"{st.client_id}:{st.client_secret}".encode()).decode()
            if authz != expect:
                auth_errors.append(("Basic client credentials missing or wrong", True))
        else:
            token_obj = self.bearer(request, where, authz, errors, auth_errors)

        # PoP (X-Authorization) on every request here.
        xauth_vals = headers.getall("X-Authorization", [])
        if len(xauth_vals) != 1:
            auth_errors.append((f"X-Authorization sent {len(xauth_vals)} times", True))
        else:
            perrs, plint, claims = pop.validate(
                xauth_vals[0], public_key=self.public_key, method=request.method,
                raw_target=request.raw_path, headers=headers, body=body,
                jti_cache=self.jti_cache)
            request["pop_claims"] = claims
            for m in plint:
                st.add_lint(where, m)
            for m in perrs:
                auth_errors.append((m, True))

        txid = single("x-transaction-id")
        if txid is not None and not UUID4_RE.match(txid):
            errors.append(f"x-transaction-id {txid!r} is not a UUIDv4")
        if kind == "api" and txid is None:
            errors.append("x-transaction-id missing")
        elif txid is None and kind == "token":
            st.add_lint(where, "no x-transaction-id")

        accept = single("Accept")
        if kind == "api":
            if accept is None or "application/json" not in [a.split(";")[0].strip().lower()
                                                          for a in accept.split(",")]:
                errors.append(f"Accept must be application/json, got {accept!r}")
        elif kind == "token" and accept is not None and "application/json" not in accept:
            st.add_lint(where, f"Accept {accept!r} does not include application/json")

        parsed = None
        if body:
            ctype = single("Content-Type")
            if ctype is None or ctype.split(";")[0].strip().lower() != "application/json":
                errors.append(f"Content-Type must be application/json with a body, got {ctype!r}")
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                errors.append(f"body is not UTF-8 JSON: {e}")
            else:
                if not isinstance(parsed, dict):
                    errors.append("body is not a JSON object")

        for m, is_violation in auth_errors:
            if is_violation:
                st.violation(where, m, txid=txid)
            else:
                st.event("expected_401", where=where, message=m, txid=txid)
        for m in errors:
            st.violation(where, m, txid=txid)
        if auth_errors:
            return error_info(401, "UNAUTHORIZED", "; ".join(m for m, _ in auth_errors))
        if errors:
            return error_info(400, "INVALID_INPUT", "; ".join(errors))
        # One-shot HTTP faults apply after validation, so the request is still checked.
        fault = self.take_http_fault(request)
        if fault is not None:
            return fault
        return Ctx(txid=txid, link_id=token_obj.link_id if token_obj else None,
                   token=token_obj.value if token_obj else None, json=parsed)

    def take_http_fault(self, request):
        for f in list(self.state.http_faults):
            if request.path.startswith(tuple(f["prefixes"])) and \
                    (f.get("method") in (None, request.method)):
                self.state.http_faults.remove(f)
                self.state.event("fault_applied", name=f["name"], path=request.path,
                                 status=f["status"])
                if f.get("call_api"):
                    return call_proxy_error(f["status"], "INTERNAL_SERVER_ERROR")
                return error_info(f["status"], "SIMULATED_FAULT", f"simulated {f['status']}")
        return None


def make_record_middleware(state: SimState):
    """Reads the body once and writes one "http" event per request (secrets redacted).
    The event is appended before the handler runs and completed after it, so a
    WebSocket upgrade (whose handler lasts the whole connection) is logged at once."""

    @web.middleware
    async def record(request: web.Request, handler):
        body = await request.read()
        request["body"] = body
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = "<non-UTF-8 %d bytes>" % len(body)
        ev = state.event("http", method=request.method, target=request.raw_path,
                         headers=redact_headers(request.headers),
                         body=text if len(text) <= 65536 else text[:65536] + "...",
                         txid=request.headers.get("x-transaction-id"))
        request["event"] = ev
        try:
            resp = await handler(request)
        except web.HTTPException as e:
            ev["status"] = e.status
            raise
        if "status" not in ev:
            ev["status"] = resp.status
        if request.get("pop_claims") is not None:
            ev["pop"] = request["pop_claims"]
        return resp

    return record


def _with_query(url: str, params: dict) -> str:
    parts = urllib.parse.urlsplit(url)
    q = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(q)))


class AccountApi:
    """linkAccount, oauth/token, changeEmergencyAddress, account/status, account/unlink."""

    def __init__(self, state: SimState, checker: Checker):
        self.state = state
        self.checker = checker
        self.e911 = {"street": "1 Test Way", "city": "Bellevue", "state": "WA", "zip": "98006"}

    def routes(self):
        return [
            web.get("/account-mgmt/linkAccount", self.link_account),
            web.post("/oauth/token", self.token),
            web.get("/account-mgmt/changeEmergencyAddress", self.e911_get),
            web.post("/account-mgmt/changeEmergencyAddress", self.e911_page),
            web.get("/account/status", self.status),
            web.delete("/account/unlink", self.unlink),
        ]

    # --- 3.1 linking: the browser lands here; we "sign the user in" at once -----
    async def link_account(self, request: web.Request):
        st = self.state
        where = "GET /account-mgmt/linkAccount"
        q = request.query
        problems = []
        if q.get("client_id") != st.client_id:
            problems.append(f"client_id {q.get('client_id')!r} is not the registered one")
        if q.get("redirect_uri") != st.redirect_uri:
            problems.append(f"redirect_uri {q.get('redirect_uri')!r} is not the registered "
                            f"{st.redirect_uri!r}")
        s = q.get("state")
        if not s:
            problems.append("state missing")
        elif len(s) < 16:
            st.add_lint(where, f"state {s!r} looks too short to hold 128 random bits")
        if problems:
            for p in problems:
                st.violation(where, p)
            return web.Response(status=400, content_type="text/html",
                                text="<h1>Link refused</h1><ul>" +
                                "".join(f"<li>{html.escape(p)}</li>" for p in problems) + "</ul>")
        if st.config.link_deny:
            st.say("link: user DENIED (link_deny)")
            raise web.HTTPFound(_with_query(st.redirect_uri, {"error": "access_denied", "state": s}))
        link_id = "L" + secrets.token_hex(6)
        code = "code-" + secrets.token_urlsafe(18)
        st.links[link_id] = {"created": now_ms(), "unlinked": None}
        st.codes[code] = {"link_id": link_id, "redirect_uri": q["redirect_uri"], "used": False,
                          "issued": time.time()}
        st.event("link", link_id=link_id)
        st.say(f"link: user signed in, redirecting to {st.redirect_uri} with a code")
        raise web.HTTPFound(_with_query(st.redirect_uri, {"code": code, "state": s}))

    # --- 3.3/3.4 tokens ------------------------------------------------------------
    async def token(self, request: web.Request):
        st = self.state
        where = "POST /oauth/token"
        ctx = await self.checker.check(request, "token")
        if isinstance(ctx, web.Response):
            return ctx
        q = request.query
        grant = q.get("grant_type")

        def bad(msg, reason="invalid_request"):
            st.violation(where, msg, txid=ctx.txid)
            return web.json_response({"error": reason, "error_description": msg,
                                      "errors": [{"reasonCode": reason, "systemMessage": msg,
                                                  "userMessage": msg}]}, status=400)

        if grant == "authorization_code":
            code = q.get("code")
            rec = st.codes.get(code or "")
            if rec is None:
                return bad(f"unknown authorization code {code!r}", "invalid_grant")
            if rec["used"]:
                return bad("authorization code used twice", "invalid_grant")
            if q.get("redirect_uri") != rec["redirect_uri"]:
                return bad(f"redirect_uri {q.get('redirect_uri')!r} differs from the one "
                           f"given to linkAccount", "invalid_grant")
            rec["used"] = True
            st.counters["code_grants"] += 1
            resp = st.issue_tokens(rec["link_id"])
            st.event("tokens_issued", grant=grant, link_id=rec["link_id"],
                     access=fingerprint(resp["access_token"]), expires_in=resp["expires_in"])
            st.say(f"token: code exchanged, access token lives {resp['expires_in']} s")
            return web.json_response(resp, headers={"Cache-Control": "no-store"})
        if grant == "refresh_token":
            rt = q.get("refresh_token")
            t = st.tokens.get(rt or "")
            if t is None or t.kind != "refresh":
                return bad("unknown refresh token", "invalid_grant")
            if t.retired == "refreshed":
                return bad("refresh token already rotated away (reuse of a retired refresh "
                           "token)", "invalid_grant")
            if t.retired:
                return bad(f"refresh token no longer valid ({t.retired})", "invalid_grant")
            if st.faults.pop("refresh_invalid", None):
                t.retired = "fault"
                st.event("fault_applied", name="refresh_invalid")
                return web.json_response({"error": "invalid_grant",
                                          "errors": [{"reasonCode": "invalid_grant",
                                                      "systemMessage": "refresh token revoked",
                                                      "userMessage": "sign in again"}]},
                                         status=400)
            t.retired = "refreshed"   # rotation: the old refresh token is retired
            st.counters["refresh_grants"] += 1
            resp = st.issue_tokens(t.link_id)
            st.event("tokens_issued", grant=grant, link_id=t.link_id,
                     access=fingerprint(resp["access_token"]), expires_in=resp["expires_in"])
            st.say("token: refreshed (refresh token rotated)")
            return web.json_response(resp, headers={"Cache-Control": "no-store"})
        return bad(f"grant_type {grant!r} is not supported (query parameter expected)",
                   "unsupported_grant_type")

    # --- 3.7 E911: a tiny page --------------------------------------------------------
    async def e911_get(self, request: web.Request):
        """The reference documents a POST: a GET is the device's mistake."""
        self.state.violation("GET /account-mgmt/changeEmergencyAddress",
                             "changeEmergencyAddress is a POST (yna-required-services-api.md)")
        return web.Response(status=405, headers={"Allow": "POST"}, text="use POST")

    async def e911_page(self, request: web.Request):
        st = self.state
        where = f"{request.method} /account-mgmt/changeEmergencyAddress"
        q = request.query
        ok_url, fail_url = q.get("success-redirect-url"), q.get("failure-redirect-url")
        if not ok_url:
            st.violation(where, "success-redirect-url missing")
            return web.Response(status=400, text="success-redirect-url missing")
        authz = q.get("Authorization") or request.headers.get("Authorization")
        auth_errors: list = []
        self.checker.bearer(request, where, authz, [], auth_errors)
        for m, is_violation in auth_errors:
            if is_violation:
                st.violation(where, m)
        if auth_errors:
            raise web.HTTPFound(fail_url or ok_url)
        form = await request.post() if request.method == "POST" else {}
        if form.get("action") == "save":
            for k in self.e911:
                if form.get(k):
                    self.e911[k] = form[k]
            st.event("e911_changed", address=dict(self.e911))
            st.say(f"E911 address changed to {self.e911}")
            raise web.HTTPSeeOther(ok_url)
        if form.get("action") == "cancel":
            raise web.HTTPSeeOther(fail_url or ok_url)
        fields = "".join(
            f'<p><label>{k} <input name="{k}" value="{html.escape(v)}"></label></p>'
            for k, v in self.e911.items())
        page = ("<!doctype html><title>Emergency address</title>"
                "<h1>Emergency (E911) address</h1>"
                f'<form method="post" action="{html.escape(request.raw_path)}">{fields}'
                '<button name="action" value="save">Save</button> '
                '<button name="action" value="cancel">Cancel</button></form>')
        return web.Response(text=page, content_type="text/html")

    # --- 4. registration status ------------------------------------------------------
    async def status(self, request: web.Request):
        st = self.state
        ctx = await self.checker.check(request, "api")
        if isinstance(ctx, web.Response):
            return ctx
        st.counters["status_calls"] += 1
        if st.config.status_202_count > 0:
            st.config.status_202_count -= 1
            st.counters["status_202"] += 1
            return web.Response(status=202, headers={"Retry-After": str(st.config.retry_after_s)})
        url = st.channels.new_channel(ctx.link_id)
        st.counters["registrations"] += 1
        st.say(f"status: registered {st.msisdn}, channel {url}")
        return web.json_response({"returnCode": 200, "channelUrl": url,
                                  "lines": [{"msisdn": st.msisdn, "regStatus": True}]})

    async def unlink(self, request: web.Request):
        st = self.state
        ctx = await self.checker.check(request, "api")
        if isinstance(ctx, web.Response):
            return ctx
        st.unlink(ctx.link_id)
        st.counters["unlinks"] += 1
        st.say("unlink: tokens revoked (the device closes its channel itself)")
        return web.json_response({})
