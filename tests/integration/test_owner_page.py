"""The owner's page in a real browser: headless Chromium (Debian's) drives the
real dialtoned, configured with a YNA line, Kazoo, jambonz and a SIP
identity, against the YNA simulator and the Kazoo/jambonz simulator, as a
person would: look at the page on a phone-sized screen, link the line, hand
the emergency address over to the network, fill the Kazoo E911 form, correct
an invalid address, pick one of several, page through the history, read the
alerts, click to call, get a number; and a page on another origin that posts
to every action, refused. Bad and slow answers leave the phone working and
the page saying what failed.

Screenshots go to $DIALTONE_BUILD_DIR/owner-page/ for a person to look at.
"""
import datetime
import json
import os
import sys
import threading
import time
import http.server
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from cdp_browser import Browser  # noqa: E402
from dialtone_harness import BUILD_DIR, Agent  # noqa: E402
from test_services import ServicesSim  # noqa: E402
from yna_it import YnaSetup, free_port  # noqa: E402

ZONE = "America/Los_Angeles"  # the device's local time zone for this test
SHOTS = os.path.join(BUILD_DIR, "owner-page")
SIP = {"registrar": "sip:acme.sip.example.com", "username": "desk-101"}


def check(cond, msg=""):
    if not cond:
        raise AssertionError(msg)


class EvilSite:
    """A page on another origin whose forms post to the device's actions."""

    def __init__(self, device_origin, csrf):
        self.device_origin = device_origin
        self.csrf = csrf
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                action = self.path.split("?", 1)[1] if "?" in self.path else "/unlink"
                body = (f'<!doctype html><form id="f" method="post" action="{site.device_origin}{action}">'
                        f'<input name="csrf" value="{site.csrf}"><input name="to" value="+12065550142">'
                        '<input name="prefix" value="415"><input name="number" value="+14152338397">'
                        '<input name="postal_code" value="94105"><input name="street_address" value="1 Evil St">'
                        '<input name="locality" value="X"><input name="region" value="CA"></form>'
                        '<script>document.getElementById("f").submit()</script>').encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def local(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, zoneinfo.ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M")


def main():
    os.environ["TZ"] = ZONE  # the agent's local time zone (it inherits the environment)
    os.makedirs(SHOTS, exist_ok=True)
    services = ServicesSim()
    y = YnaSetup()
    y.agent = Agent(extra={"yna": y.yna, "web": {"listen": f"127.0.0.1:{y.web_port}"}, "sip": SIP,
                           **services.fragment})
    sim_dir = os.path.dirname(y.info["ca_file"])
    browser = None
    evil = None
    try:
        y.start_agent()
        ctl = y.agent.ctl
        origin = y.origin
        browser = Browser(trust_certs=[os.path.join(sim_dir, "server_rsa.pem"),
                                       os.path.join(sim_dir, "server_ec.pem")])
        b = browser

        def shot(name, at=None):
            """The whole page, or with `at` the phone's screen scrolled to it."""
            if at:
                b.scroll_to(at)
            path = b.screenshot(os.path.join(SHOTS, name), full_page=at is None)
            print(f"screenshot: {path} (page {len(b.html().encode())} bytes)")

        def attr(selector, name):
            return b.js(f"(function(){{var e=document.querySelector({json.dumps(selector)});"
                        f"return e?e.getAttribute({json.dumps(name)}):null;}})()")

        # 1. A new owner opens the page on a phone: nothing linked yet.
        b.goto(origin + "/")
        b.wait_for(lambda: b.exists("#calls-history") and b.text("#e911-status") == "none", "the first answers")
        check(attr('meta[name="viewport"]', "content") == "width=device-width, initial-scale=1", "viewport")
        check(b.js("getComputedStyle(document.querySelector('section')).borderRadius") != "0px", "the stylesheet applies")
        check(attr("#line-state", "data-state") == "unlinked" and b.text("#line-state") == "Not linked", "line state")
        check("open the local web page and choose Link" in b.text("#line-reason"), "why the line is down")
        check(b.exists('form[action="/link"]'), "Link offered")
        check(not b.exists('form[action="/unlink"]') and not b.exists('form[action="/e911"]'),
              "no Unlink or Emergency address while nothing is linked")
        check(attr("#mydigits", "href") == "https://mydigits.t-mobile.com", "the signed-in instances link")
        check("may not reach the right dispatcher" in b.text("#e911-warning"), "the plain E911 warning")
        check(b.exists("#call-form"), "click-to-call offered: jambonz and a SIP line")
        # Alerts, with what they mean, in local time.
        alerts = b.text("#alerts")
        check("Device limit reached" in alerts and "More devices are registered" in alerts, alerts)
        check(local(1714644000000) in alerts, f"alert time in {ZONE}: {alerts}")
        # History: newest first, local times, numbers pretty-printed.
        rows = b.js("Array.from(document.querySelectorAll('#calls-history tr')).slice(1).map(r=>r.cells[0].innerText)")
        calls = ctl.request({"cmd": "recent_calls", "page": 1, "count": 10})["calls"]
        check(rows == [local(c["attempted_at"]) for c in calls], f"{rows} vs the socket's rows")
        check("+1 (206) 555-0142" in b.text("#calls-history"), "numbers pretty-printed")
        check(b.text("#dial-plan").startswith("Kazoo's (us,"), b.text("#dial-plan"))
        shot("01-first-look.png")
        shot("01-first-screen.png", at="h1")

        # 2. Link: sign in at the network and come back; the page follows by itself.
        b.click('form[action="/link"] button')
        b.wait_for(lambda: attr("#line-state", "data-state") == "registered", "the line to register")
        b.wait_for(lambda: b.exists('form[action="/unlink"]'), "the page to offer Unlink by itself")
        check(not b.exists('form[action="/link"]'), "no Link once linked")
        check(b.text("#line-state") == "Ready" and b.text("#line-reason") is None, "ready, no reason")
        shot("02-linked.png", at="h1")

        # 3. The YNA emergency address: a POST to the network's page, and back.
        b.click('form[action="/e911"] button')
        b.wait_for(lambda: b.url().startswith(y.info["url"] + "/account-mgmt/changeEmergencyAddress"),
                   "the network's emergency address page")
        b.fill('input[name="street"]', "500 Pine St")
        b.click('button[value="save"]')
        check(b.url().startswith(origin + "/?e911=ok"), b.url())
        check("Emergency address saved" in b.text("#notice"), "back with a notice")
        changed = y.events("e911_changed")
        check(changed and changed[-1]["address"]["street"] == "500 Pine St", changed)
        check(not [v for v in y.violations()["violations"] if "changeEmergencyAddress" in v["where"]],
              y.violations())

        # 4. Kazoo's E911 form, without JavaScript (the page reloads itself while waiting).
        b.set_javascript(False)
        b.goto(origin + "/#e911")
        b.fill('#e911-form input[name="postal_code"]', "94105")
        b.fill('#e911-form input[name="street_address"]', "1 Nowhere Lane")
        b.fill('#e911-form input[name="locality"]', "San Francisco")
        b.fill('#e911-form input[name="region"]', "CA")
        b.click("#e911-form button")
        b.wait_for(lambda: b.exists("#e911-error"), "Kazoo's refusal")
        check("Location is not geocoded" in b.text("#e911-error"), b.text("#e911-error"))
        check(b.value('#e911-form input[name="street_address"]') == "1 Nowhere Lane" and
              b.value('#e911-form input[name="locality"]') == "San Francisco", "what was typed is kept")
        shot("03-e911-invalid.png", at="#e911")
        # Corrected, but ambiguous: pick one of the addresses offered.
        b.fill('#e911-form input[name="street_address"]', "Natoma St")
        b.click("#e911-form button")
        b.wait_for(lambda: b.count("#e911-choices li") == 2, "the choices")
        check("100 NATOMA ST" in b.text("#e911-choices") and "200 NATOMA ST" in b.text("#e911-choices"), "choices")
        shot("04-e911-choices.png", at="#e911")
        b.click("#e911-choices li:nth-child(2) button")
        b.wait_for(lambda: b.text("#e911-status") == "PROVISIONED", "the address provisioned")
        check("200 NATOMA ST" in b.text("#e911-address"), b.text("#e911-address"))
        check(not b.exists("#e911-warning"), "no warning once provisioned")
        check(ctl.request({"cmd": "e911"})["address"]["street_address"] == "200 NATOMA ST", "same on the socket")
        doc = services.admin("GET", "/state")["numbers"]["+14155550100"]
        check(doc["used_by"] == "callflow" and doc["my_own_field"] == {"kept": True}, "the document kept")

        # 5. History, page by page (still without JavaScript).
        b.click('#calls-pages a[href^="/?page=2"]')
        b.wait_for(lambda: b.exists("#calls-history"), "page 2")
        check("Page 2" in b.text("#calls-pages") and b.count("#calls-history tr") == 5, b.text("#history"))
        check(not b.exists('#calls-pages a[href^="/?page=3"]'), "no page 3 of 14 rows")
        b.click('#calls-pages a[href^="/?page=1"]')
        b.wait_for(lambda: "Page 1" in (b.text("#calls-pages") or "") and b.count("#calls-history tr") == 11,
                   "back to page 1")
        b.set_javascript(True)

        # 6. Click to call: the request reaches jambonz's Calls with the right body.
        b.goto(origin + "/#call")
        b.fill('#call-form input[name="to"]', "(206) 555-0142")
        b.click("#call-form button")
        b.wait_for(lambda: "this phone rings now" in (b.text("#call-progress") or ""), "the call started")
        created = services.admin("GET", "/state")["created_calls"]
        check(created[-1] == {"application_sid": services.fragment["jambonz"]["click_to_call_app"],
                              "from": "+14155550100",
                              "to": {"type": "user", "name": "desk-101@acme.sip.example.com"},
                              "tag": {"destination": "+12065550142"}}, created)
        shot("05-click-to-call.png", at="#call")
        # An emergency number is not for click-to-call: said in the form, the number kept.
        b.fill('#call-form input[name="to"]', "911")
        b.click("#call-form button")
        check("handset" in b.text("#call-error") and b.value('#call-form input[name="to"]') == "911", "911 refused")
        check(len(services.admin("GET", "/state")["created_calls"]) == len(created), "911 never reached jambonz")
        # jambonz refuses: the page says what it said.
        services.fault("jambonz_calls_400")
        b.fill('#call-form input[name="to"]', "+44 20 7123 4567")
        b.click("#call-form button")
        b.wait_for(lambda: b.exists("#call-error"), "jambonz's refusal")
        check("no carrier available" in b.text("#call-error"), b.text("#call-error"))
        check(services.admin("GET", "/state")["created_calls"][-1]["tag"]["destination"] == "+442071234567", "E.164")

        # 7. Get a number: search, activate; one taken meanwhile says so.
        b.fill('#search-form input[name="prefix"]', "415")
        b.click("#search-form button")
        b.wait_for(lambda: b.count("#found-numbers li") == 5, "numbers on offer")
        first = b.text("#found-numbers li:first-child b")
        b.click("#found-numbers li:first-child button")
        b.wait_for(lambda: b.exists("#activate-result"), "the activation")
        check("is now on this account (in_service)" in b.text("#activate-result"), b.text("#activate-result"))
        b.wait_for(lambda: first in (b.text("#account-numbers") or ""), "the account's numbers", reload=True)
        services.fault("kazoo_number_gone")
        b.fill('#search-form input[name="prefix"]', "415")
        b.click("#search-form button")
        b.wait_for(lambda: b.count("#found-numbers li") == 5, "numbers on offer again")
        b.click("#found-numbers li:first-child button")
        b.wait_for(lambda: b.exists("#activate-result.alert"), "the refusal")
        check("is not available" in b.text("#activate-result"), b.text("#activate-result"))
        shot("06-numbers.png", at="#numbers")

        # 8. Another site posts to every action: all refused, nothing changed.
        csrf = attr('input[name="csrf"]', "value")
        evil = EvilSite(origin, csrf)
        def changes():  # every request that could change something at Kazoo or jambonz
            return [q for q in services.requests() if q["method"] != "GET"]
        changes_before = len(changes())
        calls_before = len(services.admin("GET", "/state")["created_calls"])
        for action in ("/unlink", "/link", "/e911", "/kazoo/e911", "/kazoo/search", "/kazoo/activate", "/call"):
            b.goto(f"{evil.origin}/?{action}")
            b.wait_for(lambda: b.url().startswith(origin) and b.text("body") is not None, f"the device's answer to {action}")
            check("cross-site request refused" in b.text("body"), f"{action}: {b.text('body')}")
        check(len(changes()) == changes_before, "a cross-site POST reached Kazoo or jambonz")
        check(len(services.admin("GET", "/state")["created_calls"]) == calls_before, "a cross-site call")
        check(y.line()["state"] == "registered", "a cross-site unlink went through")

        # 9. Slow and bad answers: the phone keeps working, the page says what failed.
        services.fault("jambonz_slow", delay_s=12)
        b.goto(origin + "/#call")
        b.fill('#call-form input[name="to"]', "+12065550142")
        b.click("#call-form button")
        b.wait_for(lambda: "Asking jambonz" in (b.text("#call-progress") or ""), "waiting, and saying so")
        check(ctl.request({"cmd": "hook", "state": "off"})["ok"], "the handset works meanwhile")
        check(ctl.request({"cmd": "status"})["handset"]["tone"] == "dial", "dial tone while jambonz is slow")
        ctl.request({"cmd": "hook", "state": "on"})
        b.wait_for(lambda: b.exists("#call-error"), "the time-out said", timeout=30)
        check("could not be started" in b.text("#call-error"), b.text("#call-error"))
        services.fault("kazoo_500")
        b.fill('#search-form input[name="prefix"]', "212")
        b.click("#search-form button")
        b.wait_for(lambda: b.exists("#search-error"), "the failed search")
        check("500" in b.text("#search-error"), b.text("#search-error"))
        services.fault("jambonz_malformed")
        b.goto(origin + "/?page=2")
        b.wait_for(lambda: b.exists("#calls-error"), "the failed history", reload=False)
        check("not JSON" in b.text("#calls-error"), b.text("#calls-error"))
        check(attr("#line-state", "data-state") == "registered", "the line untouched")
        shot("07-failures.png")

        y.assert_no_violations()
        print("owner_page: ok")
    except Exception:
        sys.stderr.write(y.agent.log_text()[-6000:] if y.agent.proc else "")
        raise
    finally:
        if browser:
            browser.close()
        if evil:
            evil.close()
        y.close()
        services.stop()


if __name__ == "__main__":
    main()
