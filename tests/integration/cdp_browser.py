"""Headless Chromium (Debian's `chromium`) driven through its DevTools
protocol, as a person would use a page: click where an element is, type
into a field, read what is shown, take a screenshot.

Why the DevTools protocol from Python rather than playwright-core: the tests
that start the simulators, the agent and its control socket are Python
already (dialtone_harness.py), aiohttp's WebSocket client (a Debian package
the simulators use) is all the protocol needs, and nothing has to come from
another registry or match a browser revision pinned by a driver: the same
Debian Chromium that CI installs is the one driven.

Clicks and typing go through Input.dispatchMouseEvent / Input.insertText at
the element's place on the screen, so what a person could not click (hidden,
covered, off the page) is not clicked either.
"""
import asyncio
import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

import aiohttp


class BrowserError(AssertionError):
    pass


class Browser:
    """One headless Chromium with one tab."""

    def __init__(self, width=412, height=915, mobile=True, trust_certs=()):
        """`trust_certs`: PEM certificate files whose keys the browser accepts
        (a simulator's test certificates), by their SPKI hashes: nothing
        else is let through."""
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if not exe:
            raise RuntimeError("chromium is not installed (scripts/setup.sh installs it)")
        self.profile = tempfile.mkdtemp(prefix="dialtone-chromium-")
        self.proc = subprocess.Popen(
            [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--disable-sync", "--metrics-recording-only",
             "--disable-component-update", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}"] + self._spki_flag(trust_certs) + ["about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        ws_url = None
        deadline = time.time() + 30
        while time.time() < deadline and ws_url is None:
            line = self.proc.stderr.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError("chromium exited at start")
                continue
            if "DevTools listening on " in line:
                ws_url = line.split("DevTools listening on ", 1)[1].strip()
        if not ws_url:
            raise RuntimeError("chromium did not open its DevTools port")
        # Chromium keeps writing to stderr: drain it so it never blocks.
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.next_id = 0
        self.pending = {}
        self.events = []
        self.event_cv = threading.Condition()
        self._run(self._connect(ws_url))
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "DOM"):
            self.cmd(f"{domain}.enable")
        self.cmd("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    @staticmethod
    def _spki_flag(certs):
        if not certs:
            return []
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        pins = []
        for path in certs:
            with open(path, "rb") as f:
                cert = x509.load_pem_x509_certificate(f.read())
            spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
            h = hashes.Hash(hashes.SHA256())
            h.update(spki)
            pins.append(base64.b64encode(h.finalize()).decode())
        return ["--ignore-certificate-errors-spki-list=" + ",".join(pins)]

    # --- plumbing -------------------------------------------------------------
    def _run(self, coro, timeout=30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _connect(self, url):
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(url, max_msg_size=0)
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self):
        async for msg in self.ws:
            data = json.loads(msg.data)
            if "id" in data:
                fut = self.pending.pop(data["id"], None)
                if fut and not fut.done():
                    fut.set_result(data)
            else:
                with self.event_cv:
                    self.events.append(data)
                    self.event_cv.notify_all()

    async def _send(self, method, params, session):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        fut = self.loop.create_future()
        self.pending[self.next_id] = fut
        await self.ws.send_str(json.dumps(msg))
        return await fut

    def send(self, method, params=None, session=None, timeout=30):
        r = self._run(self._send(method, params, session), timeout)
        if "error" in r:
            raise BrowserError(f"{method}: {r['error']}")
        return r.get("result", {})

    def cmd(self, method, params=None, timeout=30):
        return self.send(method, params, self.session, timeout)

    def close(self):
        try:
            self._run(self.ws.close(), 5)
            self._run(self.http.close(), 5)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    # --- pages ----------------------------------------------------------------
    def js(self, expr):
        """The value of a JavaScript expression in the page (run by the test,
        not by the page: the page's own script may be off)."""
        r = self.cmd("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise BrowserError(f"{expr}: {r['exceptionDetails'].get('text')}")
        return r["result"].get("value")

    def _mark_loaded(self):
        with self.event_cv:
            self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]

    def _wait_loaded(self, timeout=20):
        deadline = time.time() + timeout
        with self.event_cv:
            while True:
                if any(e.get("method") == "Page.loadEventFired" for e in self.events):
                    self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
                    return
                left = deadline - time.time()
                if left <= 0:
                    raise BrowserError("the page did not finish loading")
                self.event_cv.wait(left)

    def goto(self, url):
        self._mark_loaded()
        r = self.cmd("Page.navigate", {"url": url})
        if r.get("errorText"):
            raise BrowserError(f"{url}: {r['errorText']}")
        self._wait_loaded()

    def reload(self):
        """Loads the page again (going to the same URL with a #fragment would only scroll)."""
        self._mark_loaded()
        self.cmd("Page.reload", {"ignoreCache": True})
        self._wait_loaded()

    def set_javascript(self, enabled):
        self.cmd("Emulation.setScriptExecutionDisabled", {"value": not enabled})

    def url(self):
        return self.js("location.href")

    def text(self, selector):
        """What is shown in the element (its innerText), or None without one."""
        return self.js(f"(function(){{var e=document.querySelector({json.dumps(selector)});"
                       f"return e?e.innerText:null;}})()")

    def exists(self, selector):
        return bool(self.js(f"!!document.querySelector({json.dumps(selector)})"))

    def count(self, selector):
        return self.js(f"document.querySelectorAll({json.dumps(selector)}).length")

    def html(self):
        return self.js("document.documentElement.outerHTML")

    def wait_for(self, predicate, what, timeout=20, reload=False):
        """Polls `predicate()` (reloading first when asked) until it is true."""
        deadline = time.time() + timeout
        while True:
            try:
                if predicate():
                    return
            except BrowserError:
                pass  # the page was being replaced (a reload, a redirect): look again
            if time.time() > deadline:
                raise BrowserError(f"waited in vain for {what}; page shows:\n{self.js('document.body.innerText')}")
            time.sleep(0.25)
            if reload:
                try:
                    self.reload()
                except BrowserError:
                    pass  # reloaded while the page was replacing itself: look again

    def _center(self, selector):
        box = self.js(
            f"(function(){{var e=document.querySelector({json.dumps(selector)});if(!e)return null;"
            f"e.scrollIntoView({{block:'center'}});var r=e.getBoundingClientRect();"
            f"if(r.width===0||r.height===0)return null;var x=r.left+r.width/2,y=r.top+r.height/2;"
            f"var top=document.elementFromPoint(x,y);"
            f"return {{x:x,y:y,hit:!!top&&(top===e||e.contains(top))}};}})()")
        if not box:
            raise BrowserError(f"nothing to click at {selector}; page shows:\n{self.js('document.body.innerText')}")
        if not box["hit"]:
            raise BrowserError(f"{selector} is covered by something else")
        return box["x"], box["y"]

    def click(self, selector, navigates=True):
        x, y = self._center(selector)
        if navigates:
            self._mark_loaded()
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.cmd("Input.dispatchMouseEvent",
                     {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})
        if navigates:
            self._wait_loaded()

    def fill(self, selector, value):
        """Clicks into the field, selects what is in it and types `value` over it."""
        self.click(selector, navigates=False)
        self.js(f"document.querySelector({json.dumps(selector)}).select()")
        self.cmd("Input.insertText", {"text": value})
        got = self.js(f"document.querySelector({json.dumps(selector)}).value")
        if got != value:
            raise BrowserError(f"typed {value!r} into {selector} but it holds {got!r}")

    def value(self, selector):
        return self.js(f"(function(){{var e=document.querySelector({json.dumps(selector)});"
                       f"return e?e.value:null;}})()")

    def scroll_to(self, selector):
        self.js(f"document.querySelector({json.dumps(selector)}).scrollIntoView({{block:'start'}})")

    def screenshot(self, path, full_page=True):
        params = {"format": "png"}
        if full_page:
            size = self.js("({w:document.documentElement.scrollWidth,h:document.documentElement.scrollHeight})")
            params.update({"captureBeyondViewport": True,
                           "clip": {"x": 0, "y": 0, "width": size["w"], "height": size["h"], "scale": 1}})
        data = self.cmd("Page.captureScreenshot", params)["data"]
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path
