"""Account services end to end: the real dialtoned, configured with Kazoo and
jambonz only (no line), against tests/sim/services_sim.py over HTTPS, driven
through the control socket and the local web page as a script or a person
would (services.md sections 2 and 3).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from yna_it import free_port, http  # noqa: E402
from dialtone_harness import Agent  # noqa: E402

SIM = os.path.join(HERE, "..", "sim", "services_sim.py")


class ServicesSim:
    def __init__(self, args=()):
        self.dir = tempfile.mkdtemp(prefix="services-sim-")
        self.proc = subprocess.Popen(["/usr/bin/python3", SIM, "--dir", self.dir, *args], stdout=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("services simulator did not start")
        self.info = json.loads(line)
        with open(self.info["config_fragment"]) as f:
            self.fragment = json.load(f)

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        st, _, text = http(method, self.info["admin"] + path, data=data,
                           headers={"Content-Type": "application/json"} if data else {})
        assert st == 200, (path, st, text)
        return json.loads(text)

    def fault(self, name, **kw):
        return self.admin("POST", "/fault", {"name": name, **kw})

    def requests(self):
        return self.admin("GET", "/requests")["requests"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(5)


def check(cond, msg=""):
    if not cond:
        raise AssertionError(msg)


ADDRESS = {"postal_code": "94105", "street_address": "116 Natoma St", "extended_address": "APT 116",
           "locality": "San Francisco", "region": "CA"}


def main():
    sim = ServicesSim()
    web_port = free_port()
    origin = f"http://127.0.0.1:{web_port}"
    agent = Agent(extra={"web": {"listen": f"127.0.0.1:{web_port}"}, **sim.fragment})
    try:
        agent.start()
        ctl = agent.ctl

        def page(query=""):
            st, _, body = http("GET", origin + "/" + query)
            check(st == 200, st)
            return body

        def csrf():
            m = re.search(r'name="csrf" value="([0-9a-f]+)"', page())
            check(m, "no CSRF token on the page")
            return m.group(1)

        def post(path, form, origin_header=origin):
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if origin_header:
                headers["Origin"] = origin_header
            return http("POST", origin + path, data=form, headers=headers)

        def settled_page(query="", timeout=15):
            """The page once nothing is on its way (no self-reload)."""
            deadline = time.time() + timeout
            while time.time() < deadline:
                body = page(query)
                if 'http-equiv="refresh"' not in body:
                    return body
                time.sleep(0.2)
            raise AssertionError("page kept waiting:\n" + body + agent.log_text()[-3000:])

        # 1. No address yet: the socket and the page say so plainly.
        r = ctl.request({"cmd": "e911"})
        check(r["ok"] and r["status"] == "none" and r["number"] == "+14155550100", r)
        check("dispatcher" in r.get("warning", ""), r)
        st = ctl.request({"cmd": "status"})
        check(st["e911"]["status"] == "none", st)
        body = settled_page()
        check('id="e911-warning"' in body and "may not reach the right dispatcher" in body, body)
        check("in_service" in body, "the number's state from the account listing")

        # 2. An address Kazoo cannot geocode: the error, the fields kept.
        bad = dict(ADDRESS, street_address="1 Nowhere Lane")
        r = ctl.request({"cmd": "e911", "address": bad})
        check(not r["ok"] and r["error"]["code"] == "invalid_address", r)
        check(r["error"]["message"] == "Location is not geocoded", r)
        s, _, _ = post("/kazoo/e911", dict(bad, csrf=csrf()))
        check(s == 303, s)
        body = settled_page()
        check('id="e911-error"' in body and "Location is not geocoded" in body, body)
        check('value="1 Nowhere Lane"' in body and 'value="San Francisco"' in body, "entered fields kept")

        # 3. An ambiguous one: the choices, on the socket and the page.
        vague = dict(ADDRESS, street_address="Natoma St")
        r = ctl.request({"cmd": "e911", "address": vague})
        check(not r["ok"] and r["error"]["code"] == "multiple_choice", r)
        check([c["street_address"] for c in r["error"]["choices"]] == ["100 NATOMA ST", "200 NATOMA ST"], r)
        s, _, _ = post("/kazoo/e911", dict(vague, csrf=csrf()))
        check(s == 303, s)
        body = settled_page()
        check('id="e911-choices"' in body and "100 NATOMA ST" in body and "200 NATOMA ST" in body, body)

        # 4. A cross-site POST of the form is refused, and changes nothing.
        posted_before = len(sim.admin("GET", "/state")["posted"])
        s, _, _ = post("/kazoo/e911", dict(ADDRESS, csrf=csrf()), origin_header="http://evil.example")
        check(s == 403, s)
        s, _, _ = post("/kazoo/e911", dict(ADDRESS, csrf="0" * 32))
        check(s == 403, s)
        check(len(sim.admin("GET", "/state")["posted"]) == posted_before, "a refused POST reached Kazoo")

        # 5. Pick the first choice (its hidden fields, as the browser sends them);
        # the token expires on the way: one re-auth, one repeat.
        m = re.search(r'<li><form method="post" action="/kazoo/e911">(.*?)</form>', body)
        check(m, body)
        form = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', m.group(1)))
        check(form["street_address"] == "100 NATOMA ST", form)
        auths_before = sum(1 for q in sim.requests() if q["path"] == "/v2/api_auth")
        sim.fault("kazoo_401")
        s, _, _ = post("/kazoo/e911", form)
        check(s == 303, s)
        body = settled_page()
        check('id="e911-status">PROVISIONED' in body and "100 NATOMA ST" in body, body)
        check('id="e911-warning"' not in body, "the warning stays after provisioning")
        auths = sum(1 for q in sim.requests() if q["path"] == "/v2/api_auth")
        check(auths == auths_before + 1, f"{auths - auths_before} re-authentications, wanted one")
        doc = sim.admin("GET", "/state")["numbers"]["+14155550100"]
        check(doc["used_by"] == "callflow" and doc["my_own_field"] == {"kept": True}, doc)
        r = ctl.request({"cmd": "e911"})
        check(r["ok"] and r["status"] == "PROVISIONED" and r["address"]["street_address"] == "100 NATOMA ST", r)
        check(ctl.request({"cmd": "status"})["e911"]["status"] == "PROVISIONED", "status")

        # 6. A 500 and a malformed body: service_error, and the phone keeps answering.
        sim.fault("kazoo_500")
        r = ctl.request({"cmd": "e911"})
        check(not r["ok"] and r["error"]["code"] == "service_error" and "500" in r["error"]["message"], r)
        sim.fault("kazoo_malformed")
        r = ctl.request({"cmd": "e911"})
        check(not r["ok"] and r["error"]["code"] == "service_error", r)
        check(ctl.request({"cmd": "status"})["ok"], "status after the failures")
        check(ctl.request({"cmd": "hook", "state": "off"})["ok"], "the phone still works")
        ctl.request({"cmd": "hook", "state": "on"})
        page()

        # 7. Set through the socket (a well-formed address): PROVISIONED at once.
        r = ctl.request({"cmd": "e911", "address": ADDRESS})
        check(r["ok"] and r["status"] == "PROVISIONED" and r["address"]["street_address"] == "116 NATOMA ST", r)

        # 8. jambonz: call history by page (socket and page), alerts, failures.
        r = ctl.request({"cmd": "recent_calls", "page": 1, "count": 10})
        check(r["ok"] and r["total"] == 14 and len(r["calls"]) == 10, r)
        times = [c["attempted_at"] for c in r["calls"]]
        check(times == sorted(times, reverse=True), "newest first")
        first_sids = {c["call_sid"] for c in r["calls"]}
        r2 = ctl.request({"cmd": "recent_calls", "page": 2, "count": 10})
        check(r2["ok"] and len(r2["calls"]) == 4 and not first_sids & {c["call_sid"] for c in r2["calls"]}, r2)
        check(set(r2["calls"][0]) == {"call_sid", "from", "to", "direction", "answered", "duration",
                                      "attempted_at", "termination_reason"}, r2["calls"][0])
        r = ctl.request({"cmd": "recent_calls", "page": 1, "count": 26})
        check(not r["ok"] and r["error"]["code"] == "bad_request", r)
        body = settled_page()
        check('id="calls-history"' in body and "+1 (206) 555-0142" in body and "older &rarr;</a>" in body, body)
        body = settled_page("?page=2")
        check("Page 2" in body and body.count("<tr><td>") == 4 and "newer</a>" in body, body)
        r = ctl.request({"cmd": "alerts"})
        check(r["ok"] and [a["alert_type"] for a in r["alerts"]] == ["device-limit", "no-carrier"], r)
        check(set(r["alerts"][0]) == {"time", "alert_type", "message", "detail"}, r)
        check("Device limit reached" in body and "no-carrier" in body, "alerts on the page")
        sim.fault("jambonz_500")
        r = ctl.request({"cmd": "alerts"})
        check(not r["ok"] and r["error"]["code"] == "service_error" and "500" in r["error"]["message"], r)
        sim.fault("jambonz_malformed")
        r = ctl.request({"cmd": "recent_calls", "page": 1})
        check(not r["ok"] and r["error"]["code"] == "service_error", r)
        check(ctl.request({"cmd": "recent_calls", "page": 1})["ok"], "jambonz works again")
        r = ctl.request({"cmd": "click_to_call", "to": "+12065550142"})
        check(not r["ok"] and r["error"]["code"] == "not_configured", r)  # no SIP line to ring

        # 9. Getting a number: search, activate, and one no longer available.
        r = ctl.request({"cmd": "number_search", "prefix": "415", "quantity": 3})
        check(r["ok"] and len(r["numbers"]) == 3 and r["numbers"][0]["rate_center"] == "SAN RAFAEL, CA", r)
        pick = r["numbers"][0]["number"]
        r = ctl.request({"cmd": "number_activate", "number": pick})
        check(r["ok"] and r["number"] == pick and r["state"] == "in_service", r)
        check(pick in sim.admin("GET", "/state")["numbers"], "activated at Kazoo")
        r = ctl.request({"cmd": "number_activate", "number": pick})
        check(not r["ok"] and r["error"]["code"] == "number_unavailable" and "not available" in r["error"]["message"], r)
        r = ctl.request({"cmd": "number_search", "prefix": "4x5"})
        check(not r["ok"] and r["error"]["code"] == "bad_request", r)
        check(all(q["authorization"] == "Bearer" for q in sim.requests() if q["path"].startswith("/v1/")),
              "jambonz requests without the bearer key")

        # Nothing was sent to the API without its credentials, and no key was logged.
        log = agent.log_text()
        check(sim.fragment["kazoo"]["api_key"] not in log, "the Kazoo API key was logged")
        check(sim.fragment["jambonz"]["api_key"] not in log, "the jambonz API key was logged")
        print("services: ok")
    except Exception:
        sys.stderr.write(agent.log_text()[-5000:] if agent.proc else "")
        raise
    finally:
        agent.stop()
        sim.stop()


def keys(ctl, digits):
    ctl.request({"cmd": "hook", "state": "off"})
    for d in digits:
        check(ctl.request({"cmd": "key", "key": d})["ok"], d)
    return ctl.request({"cmd": "status"})


def dial_plan_and_click_to_call():
    """Kazoo's classifiers as the dial plan (fetched, cached, the built-in one
    until then), and click-to-call ringing the SIP user first."""
    sim = ServicesSim()
    sip = {"registrar": "sip:acme.sip.example.com:5060", "username": "desk-101"}
    agent = Agent(extra={"sip": sip, **sim.fragment})
    cache = os.path.join(agent.state_dir, "kazoo-classifiers.json")
    try:
        # 1. Kazoo answers: its plan applies ("5123" is a whole extension at once) and is cached.
        agent.start()
        ctl = agent.ctl
        deadline = time.time() + 15
        while ctl.request({"cmd": "status"})["dial_plan"]["source"] != "kazoo" and time.time() < deadline:
            time.sleep(0.1)
        st = ctl.request({"cmd": "status"})
        check(st["dial_plan"]["source"] == "kazoo" and st["dial_plan"]["rules"] > 10, st["dial_plan"])
        st = keys(ctl, "5123")
        check(st["handset"]["phase"] != "collecting" and "5123" in st["last_error"], st["handset"])
        ctl.request({"cmd": "hook", "state": "on"})
        check(os.stat(cache).st_mode & 0o777 == 0o600, "cache mode")
        with open(cache) as f:
            text = f.read()
        check("auth_token" not in text and json.loads(text)["data"]["extension"]["regex"] == "^(5\\d{3})$", text)

        # 2. Click-to-call: the SIP user rings first, the destination in the tag.
        r = ctl.request({"cmd": "click_to_call", "to": "(206) 555-0142"})
        check(r["ok"] and r["sid"], r)
        body = sim.admin("GET", "/state")["created_calls"][-1]
        check(body == {"application_sid": sim.fragment["jambonz"]["click_to_call_app"], "from": "+14155550100",
                       "to": {"type": "user", "name": "desk-101@acme.sip.example.com"},
                       "tag": {"destination": "+12065550142"}}, body)
        r = ctl.request({"cmd": "click_to_call", "to": "911"})
        check(not r["ok"] and r["error"]["code"] == "bad_request", r)
        sim.fault("jambonz_calls_400")
        r = ctl.request({"cmd": "click_to_call", "to": "+442071234567"})
        check(not r["ok"] and r["error"]["code"] == "service_error" and "no carrier" in r["error"]["message"], r)
        agent.stop()

        # 3. Kazoo's classifiers fail: the cached copy applies, and says why it is not fresh.
        sim.fault("kazoo_classifiers_500", count=5)
        agent.start()
        ctl = agent.ctl
        deadline = time.time() + 15
        while "problem" not in ctl.request({"cmd": "status"})["dial_plan"] and time.time() < deadline:
            time.sleep(0.1)
        st = ctl.request({"cmd": "status"})
        check(st["dial_plan"]["source"] == "cache" and "500" in st["dial_plan"]["problem"], st["dial_plan"])
        st = keys(ctl, "5123")
        check(st["handset"]["phase"] != "collecting", st["handset"])
        ctl.request({"cmd": "hook", "state": "on"})
        agent.stop()

        # 4. No cache and no answer: the country's built-in plan ("5123" waits for more).
        os.unlink(cache)
        sim.fault("kazoo_classifiers_malformed", count=5)
        agent.start()
        ctl = agent.ctl
        deadline = time.time() + 15
        while "problem" not in ctl.request({"cmd": "status"})["dial_plan"] and time.time() < deadline:
            time.sleep(0.1)
        st = ctl.request({"cmd": "status"})
        check(st["dial_plan"]["source"] == "built-in" and st["dial_plan"]["country"] == "us", st["dial_plan"])
        st = keys(ctl, "5123")
        check(st["handset"]["phase"] == "collecting", st["handset"])
        ctl.request({"cmd": "hook", "state": "on"})
        check(not os.path.exists(cache), "a malformed answer is not cached")
        print("services dial plan and click-to-call: ok")
    except Exception:
        sys.stderr.write(agent.log_text()[-5000:] if agent.proc else "")
        raise
    finally:
        agent.stop()
        sim.stop()


if __name__ == "__main__":
    main()
    dial_plan_and_click_to_call()
