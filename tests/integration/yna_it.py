"""Helpers for the YNA integration tests: the simulator (tests/sim) hosting the
network, the real dialtoned linked through its own web page, and waits on the
line state seen through the control socket.

Runs under /usr/bin/python3 inside a private network namespace (in-netns.sh).
"""
import json
import warnings
import os
import re
import socket
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "sim"))

from dialtone_harness import Agent  # noqa: E402
from simclient import SimProcess  # noqa: E402

# The shared harness leaves its log file and control socket to the GC.
warnings.simplefilter("ignore", ResourceWarning)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def http(method, url, data=None, headers=None, cafile=None):
    """One request, redirects not followed. Returns (status, headers, body)."""
    ctx = ssl.create_default_context(cafile=cafile) if url.startswith("https") else None
    handlers = [NoRedirect()] + ([urllib.request.HTTPSHandler(context=ctx)] if ctx else [])
    opener = urllib.request.build_opener(*handlers)
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(errors="replace")


class YnaSetup:
    """A simulator + a dialtoned configured for it (not started)."""

    def __init__(self, sim_args=(), ping_s=1, pong_s=1, yna_extra=None):
        self.web_port = free_port()
        self.origin = f"http://127.0.0.1:{self.web_port}"
        self.redirect_uri = f"{self.origin}/oauth/callback"
        self.sim = SimProcess(args=["--redirect-uri", self.redirect_uri, *sim_args])
        self.info = self.sim.start()
        with open(self.info["config_fragment"]) as f:
            yna = json.load(f)["yna"]
        yna["ping_interval_s"] = ping_s
        yna["pong_timeout_s"] = pong_s
        yna.update(yna_extra or {})  # e.g. dns_servers
        self.yna = yna
        self.agent = Agent(extra={"yna": yna, "web": {"listen": f"127.0.0.1:{self.web_port}"}})
        self.token_file = os.path.join(self.agent.state_dir, "yna-tokens.json")

    def start_agent(self):
        self.agent.start()
        self.wait_page()
        return self.agent

    def restart_agent(self, kill=False):
        if kill:
            self.agent.proc.kill()
            self.agent.proc.wait()
        else:
            self.agent.stop()
        return self.start_agent()

    def wait_page(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                return self.page()
            except OSError:
                time.sleep(0.05)
        raise AssertionError("web page never answered\n" + self.agent.log_text())

    # --- the simulator's admin API ---------------------------------------------------
    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        st, _, text = http(method, self.info["admin"] + path, data=data,
                           headers={"Content-Type": "application/json"} if data else {})
        assert st == 200, f"admin {path}: {st} {text}"
        return json.loads(text)

    def fault(self, name, **kw):
        return self.admin("POST", "/fault", {"name": name, **kw})

    def state(self):
        return self.admin("GET", "/state?events=0")

    def events(self, kind=None):
        q = f"?kind={kind}" if kind else ""
        return self.admin("GET", "/events" + q)["events"]

    def violations(self):
        return self.admin("GET", "/violations")

    def assert_no_violations(self):
        v = self.violations()
        assert not v["violations"], json.dumps(v["violations"], indent=1)

    # --- the device's web page -------------------------------------------------------
    def page(self):
        st, _, body = http("GET", self.origin + "/")
        assert st == 200, st
        return body

    def csrf(self):
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', self.page())
        assert m, "no CSRF token on the page"
        return m.group(1)

    def post(self, path, form=None, origin=True):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if origin:
            headers["Origin"] = self.origin
        return http("POST", self.origin + path, data=form if form is not None else {"csrf": self.csrf()},
                    headers=headers)

    def link(self):
        """What a person does: Link, sign in at the network, come back."""
        st, h, _ = self.post("/link")
        assert st == 303, st
        auth = h["Location"]
        assert auth.startswith(self.info["url"] + "/account-mgmt/linkAccount?"), auth
        st, h, body = http("GET", auth, cafile=self.info["ca_file"])
        assert st == 302, (st, body)
        callback = h["Location"]
        assert callback.startswith(self.redirect_uri + "?"), callback
        st, h, _ = http("GET", callback)
        assert st == 303, st
        return callback

    # --- the line, as the control socket reports it --------------------------------
    def line(self):
        return self.agent.ctl.request({"cmd": "status"})["line"]

    def wait_line(self, state, timeout=15):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = self.line()
            if last["state"] == state:
                return last
            time.sleep(0.05)
        raise AssertionError(f"line never became {state} (last {last})\n" + self.agent.log_text()[-4000:])

    def stored_tokens(self):
        with open(self.token_file) as f:
            return json.load(f)

    def close(self):
        try:
            self.agent.stop()
        finally:
            self.sim.stop()


def check(cond, msg=""):
    if not cond:
        raise AssertionError(msg)
