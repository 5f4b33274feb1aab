#!/usr/bin/python3
"""Self-test of the YNA simulator with a small Python client of its own.

Run inside a private network namespace (lo only):
    unshare -n sh -c 'ip link set lo up && exec /usr/bin/python3 tests/sim/test_sim_selftest.py'
Exit code 0 means every test passed.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pop  # noqa: E402
# aiortc/aioice at module level: importing them lazily inside a running event
# loop raced with an executor thread's import and failed in importlib's lock.
import farend  # noqa: E402
from simclient import SimProcess, YnaClient, next_notifications, wait_status  # noqa: E402


class PopVectors(unittest.TestCase):
    """pop-token.md section 4 vectors: the edts computation both sides rely on."""

    def test_vectors(self):
        self.assertEqual(pop.edts_of([b"/start", b"POST", b"Bearer 3fa85f64abc", b"application/json",
                                      b'{"from":"tel:+14255550100","to":"tel:+14255550199"}']),
                         "9bw_nfPGtTmckqp8BeQ5AoD3jt6GT6iKu-bbul6WCDQ")
        self.assertEqual(pop.edts_of([b"application/json", b"Bearer UtKV75JJbVAewOrkHMXhLbiQ11SS",
                                      b"/commerce/v1/orders", b"POST",
                                      b'{"orderId": 100, "product": "Mobile Phone"}']),
                         "afqGWAbSevTP2m38quBjC8pA2HcxZXG4zpFCPShTtSo")
        self.assertEqual(pop.edts_of([pop.pop_uri("/account/status?x=a%20b").encode(), b"GET",
                                      b"Bearer t0k"]),
                         "DM6hz8_jc6aIGPV7hkgX5BYA3O2K0DA8G55O0TPoE3o")
        self.assertEqual(pop.edts_of([b"/start", b"POST", '{"name":"Zoë ☎"}'.encode()]),
                         "cC1P9b13oNVLmWHZyuW662nkReCh3PSBSuahadW6yXg")
        self.assertEqual(pop.edts_of([b"/start", b"POST", b'{\n  "a": 1\n}\r\n']),
                         "yRNtSfFxZIEebOcRegg0zyK3h40oGE6FeHMrxGPPt-s")
        self.assertEqual(pop.pop_uri("/a/b%2Fc?q=1+2&r=%C3%A9"), "/a/b%2Fc?q=1+2&r=é")


class SimTestBase(unittest.IsolatedAsyncioTestCase):
    sim_args: tuple = ()

    @classmethod
    def setUpClass(cls):
        cls.sim = SimProcess(args=cls.sim_args)
        cls.info = cls.sim.start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.sim.stop()
        assert rc == 0, f"simulator exit code {rc}"

    def setUp(self):
        self.sim.post("/reset")

    def assertNoViolations(self):
        v = self.sim.get("/violations")["violations"]
        self.assertEqual(v, [], json.dumps(v, indent=1))

    def take_violations(self) -> list:
        v = self.sim.get("/violations")["violations"]
        self.sim.post("/reset")
        return v


class AccountAndChannel(SimTestBase):
    sim_args = ("--status-202", "1")

    async def test_link_token_status_channel_ack(self):
        async with YnaClient(self.info) as c:
            st, params = await c.link("s" * 32)
            self.assertEqual(st, 302)
            self.assertEqual(params["state"], "s" * 32)
            tok = await c.link_and_token()
            self.assertEqual(tok["token_type"], "Bearer")
            self.assertEqual(tok["expires_in"], 3600)
            reg, n202 = await c.registration()
            self.assertEqual(n202, 1)
            self.assertEqual(reg["lines"], [{"msisdn": "+14255550100", "regStatus": True}])
            self.assertTrue(reg["channelUrl"].startswith(
                self.info["url"].replace("https", "wss") + "/channel/"))
            ws = await c.open_channel(reg["channelUrl"])
            # A ping is answered.
            await ws.ping(b"hi")
            msg = await asyncio.wait_for(ws.receive(), 5)
            self.assertEqual((msg.type.name, msg.data), ("PONG", b"hi"))
            res = self.sim.post("/notify", {"notifications": [{"someOtherNotification": {
                "callObjectRef": "https://x/calls/abc"}}]})
            nid = res["notificationIds"][0]
            got = await next_notifications(ws)
            self.assertEqual(got[0][0], "someOtherNotification")
            self.assertEqual(got[0][1]["notificationReference"]["notificationId"], nid)
            await asyncio.sleep(0.3)
            state = self.sim.get("/state?events=0")
            n = [x for x in state["channel"]["notifications"] if x["notificationId"] == nid][0]
            self.assertTrue(n["acked"])
            self.assertEqual(len(n["sends"]), 1)
            self.assertEqual(state["channel"]["open"], 1)
            self.assertEqual(state["counters"]["registrations"], 1)
            # Refresh rotates; the old refresh token is then refused (and is a violation).
            old = c.refresh_token
            st, body = await c.refresh()
            self.assertEqual(st, 200)
            self.assertNotEqual(body["refresh_token"], old)
            self.assertNoViolations()
            c.refresh_token = old
            st, body = await c.refresh()
            self.assertEqual(st, 400)
            self.assertIn("rotated", self.take_violations()[0]["message"])
            c.refresh_token = body and c.last_tokens["refresh_token"]
            # The new access token works; unlink revokes it.
            st, _, _ = await c.request("GET", "/account/status")
            self.assertEqual(st, 200)
            st, _, _ = await c.request("DELETE", "/account/unlink")
            self.assertEqual(st, 200)
            self.assertNoViolations()
            st, _, _ = await c.request("GET", "/account/status")
            self.assertEqual(st, 401)
            self.assertTrue(self.take_violations())
            await ws.close()

    def test_tls_with_mbedtls(self):
        """The device's TLS library (mbedTLS 2.28, TLS 1.2) verifies our CA and host name
        with both ECDHE-ECDSA and ECDHE-RSA AES-GCM suites."""
        import mbedtls_probe
        if not mbedtls_probe.available():
            self.skipTest("libmbedtls not installed")
        port = int(self.info["url"].rsplit(":", 1)[1])
        for suite in ("TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256",
                      "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256",
                      "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384",
                      "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384"):
            for host in ("127.0.0.1", "localhost"):
                rc, text = mbedtls_probe.handshake(port, self.info["ca_file"], suite, host)
                self.assertEqual((rc, text), (0, "TLSv1.2 " + suite))
        rc, _ = mbedtls_probe.handshake(port, self.info["ca_file"],
                                        "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256", "example.com")
        self.assertNotEqual(rc, 0)
        # The device matches 127.0.0.1 against iPAddress entries only, so that
        # entry must be there, and no DNS:127.0.0.1 stand-in is needed.
        import ipaddress
        from cryptography import x509
        d = os.path.dirname(self.info["ca_file"])
        for stem in ("server_ec", "server_rsa"):
            with open(os.path.join(d, stem + ".pem"), "rb") as f:
                san = x509.load_pem_x509_certificate(f.read()).extensions.get_extension_for_class(
                    x509.SubjectAlternativeName).value
            self.assertIn(ipaddress.ip_address("127.0.0.1"), san.get_values_for_type(x509.IPAddress))
            self.assertNotIn("127.0.0.1", san.get_values_for_type(x509.DNSName))

    async def test_rejections(self):
        async with YnaClient(self.info) as c:
            await c.link_and_token()
            # PoP signed over another uri -> 401, violation.
            bad = c.pop("GET", "/account/other", f"Bearer {c.access}")
            st, body, _ = await c.request("GET", "/account/status", pop_override=bad)
            self.assertEqual(st, 401)
            self.assertIn("edts mismatch", body["errors"][0]["systemMessage"])
            self.assertEqual(len(self.take_violations()), 1)
            # Replayed PoP token (same jti) -> 401.
            good = c.pop("GET", "/account/status", f"Bearer {c.access}")
            st, _, _ = await c.request("GET", "/account/status", pop_override=good)
            self.assertEqual(st, 200)
            st, body, _ = await c.request("GET", "/account/status", pop_override=good)
            self.assertEqual(st, 401)
            self.assertIn("replayed", body["errors"][0]["systemMessage"])
            self.take_violations()
            # Too long-lived / expired PoP tokens.
            for kw in ({"lifetime": 121}, {"now": time.time() - 200}):
                tok = c.pop("GET", "/account/status", f"Bearer {c.access}", **kw)
                st, _, _ = await c.request("GET", "/account/status", pop_override=tok)
                self.assertEqual(st, 401, kw)
            self.assertEqual(len(self.take_violations()), 2)
            # A body without body in ehts.
            st, _, _ = await c.request("POST", "/start", {"to": "x"},
                                       pop_override=c.pop("POST", "/start", f"Bearer {c.access}"))
            self.assertEqual(st, 401)
            self.take_violations()
            # Bad x-transaction-id, wrong Accept -> 400.
            st, _, _ = await c.request("GET", "/account/status", txid="not-a-uuid")
            self.assertEqual(st, 400)
            st, _, _ = await c.request("GET", "/account/status",
                                       extra_headers={"Accept": "text/html"})
            self.assertEqual(st, 400)
            self.assertEqual(len(self.take_violations()), 2)
            # expire_token: 401 that is NOT a violation; refresh recovers.
            self.sim.post("/fault", {"name": "expire_token"})
            st, _, _ = await c.request("GET", "/account/status")
            self.assertEqual(st, 401)
            self.assertNoViolations()
            st, _ = await c.refresh()
            self.assertEqual(st, 200)
            st, _, _ = await c.request("GET", "/account/status")
            self.assertEqual(st, 200)
            # Wrong Basic credentials on /oauth/token.
            c.info = dict(c.info, client_secret="wrong")
            st, _ = await c.refresh()
            self.assertEqual(st, 401)
            self.assertEqual(len(self.take_violations()), 1)

    async def test_redelivery_and_faults(self):
        self.sim.post("/config", {"redelivery_s": 0.4})
        try:
            async with YnaClient(self.info) as c:
                await c.link_and_token()
                reg, _ = await c.registration()
                ws = await c.open_channel(reg["channelUrl"])
                nid = self.sim.post("/notify", {"notifications": [{"x": {}}]})["notificationIds"][0]
                ids = []
                for _ in range(4):   # first send + 3 redeliveries, never acked
                    (t, v), = await next_notifications(ws, ack=False)
                    ids.append(v["notificationReference"]["notificationId"])
                self.assertEqual(ids, [nid] * 4)
                with self.assertRaises(asyncio.TimeoutError):
                    await next_notifications(ws, timeout=1.5)
                # duplicate_notification: the next one is sent twice at once.
                self.sim.post("/fault", {"name": "duplicate_notification"})
                nid = self.sim.post("/notify", {"notifications": [{"x": {}}]})["notificationIds"][0]
                a = await next_notifications(ws)
                b = await next_notifications(ws)
                self.assertEqual(a[0][1]["notificationReference"]["notificationId"], nid)
                self.assertEqual(b[0][1]["notificationReference"]["notificationId"], nid)
                # malformed_frame: non-JSON, wrong shape, wrong-typed (ackable) notification.
                res = self.sim.post("/fault", {"name": "malformed_frame"})
                m1 = await asyncio.wait_for(ws.receive(), 5)
                self.assertRaises(ValueError, json.loads, m1.data)
                m2 = await asyncio.wait_for(ws.receive(), 5)
                self.assertEqual(json.loads(m2.data)["notificationList"], "not-a-list")
                (t, v), = await next_notifications(ws)
                self.assertEqual(v["notificationReference"]["notificationId"],
                                 res["ackable_notificationId"])
                # big_frame: 1 MiB.
                self.sim.post("/fault", {"name": "big_frame"})
                m = await asyncio.wait_for(ws.receive(), 5)
                self.assertGreaterEqual(len(m.data), (1 << 20) - 100)
                # no_pong.
                self.sim.post("/fault", {"name": "no_pong"})
                await ws.ping(b"p")
                with self.assertRaises(asyncio.TimeoutError):
                    await asyncio.wait_for(ws.receive(), 1.0)
                # close_1012 from the network.
                self.sim.post("/fault", {"name": "close_1012"})
                m = await asyncio.wait_for(ws.receive(), 5)
                self.assertEqual((m.type.name, m.data), ("CLOSE", 1012))
                await ws.close()
                # upgrade_410: the next upgrade is refused; a new status gives a new URL.
                self.sim.post("/fault", {"name": "upgrade_410"})
                import aiohttp
                with self.assertRaises(aiohttp.WSServerHandshakeError) as cm:
                    await c.open_channel(reg["channelUrl"])
                self.assertEqual(cm.exception.status, 410)
                reg2, _ = await c.registration()
                self.assertNotEqual(reg2["channelUrl"], reg["channelUrl"])
                ws = await c.open_channel(reg2["channelUrl"])
                await asyncio.sleep(0.2)
                hist = self.sim.get("/state?events=0")["channel"]
                self.assertEqual(hist["open"], 1)
                closes = [x for x in hist["connections"] if x["close_code"] == 1012]
                self.assertEqual(closes[0]["closed_by"], "network")
                await ws.close()
                self.assertNoViolations()
        finally:
            self.sim.post("/config", {"redelivery_s": 3.0})


class GivenPopKeyAndLinkDeny(SimTestBase):
    """--pop-public-key: the simulator verifies with a key it did not make."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        cls.keydir = tempfile.TemporaryDirectory()
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cls.priv = os.path.join(cls.keydir.name, "device_key.pem")
        pub = os.path.join(cls.keydir.name, "device_pub.pem")
        with open(cls.priv, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        with open(pub, "wb") as f:   # PKCS#1 "RSA PUBLIC KEY" form
            f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.PKCS1))
        cls.sim_args = ("--pop-public-key", pub)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.keydir.cleanup()

    async def test_given_key_and_deny(self):
        self.assertIsNone(self.info["pop_key_file"])
        frag = json.load(open(self.info["config_fragment"]))["yna"]
        self.assertNotIn("pop_key_file", frag)
        self.assertEqual(frag["auth_url"], self.info["url"])
        async with YnaClient(self.info, pop_key_file=self.priv) as c:
            await c.link_and_token()
            st, _, _ = await c.request("GET", "/account/status")
            self.assertEqual(st, 200)
            self.sim.post("/config", {"link_deny": True})
            st, params = await c.link()
            self.assertEqual((st, params.get("error")), (302, "access_denied"))
            self.assertNoViolations()


def send_dtmf(pc, digits: str, pt: int, clock: int):
    """Send RFC 4733 events from an aiortc peer through its SRTP transport (aiortc has no
    DTMF sender): one SSRC of our own, 50 ms updates, end packet three times."""
    from aiortc.rtp import RtpPacket

    async def run():
        sender = [t for t in pc.getTransceivers() if t.kind == "audio"][0].sender
        transport = sender.transport
        ssrc, seq, ts = 0x5EED1234, 1000, 0
        for d in digits:
            ev = "0123456789*#ABCD".index(d)
            ts += clock // 2
            for i in range(1, 5):   # 4 updates of 50 ms, then end x3 at 200 ms
                dur = int(clock * 0.05 * i)
                end = i == 4
                for _ in range(3 if end else 1):
                    payload = struct.pack("!BBH", ev, (0x80 if end else 0) | 10, dur)
                    pkt = RtpPacket(payload_type=pt, sequence_number=seq & 0xFFFF,
                                    timestamp=ts & 0xFFFFFFFF, ssrc=ssrc, payload=payload,
                                    marker=1 if i == 1 else 0)
                    seq += 1
                    await transport._send_rtp(pkt.serialize())
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.1)
    return run()


def dominant(report: dict, lo: float, hi: float) -> int:
    """Number of 100 ms blocks whose dominant frequency is within [lo, hi]."""
    return sum(1 for _, hz, _ in report["dominant_100ms"] if hz is not None and lo <= hz <= hi)


class Calls(SimTestBase):

    async def _registered(self, c):
        await c.link_and_token()
        reg, _ = await c.registration()
        return await c.open_channel(reg["channelUrl"])

    async def test_outgoing_call_media_hold_dtmf(self):
        async with YnaClient(self.info) as c:
            ws = await self._registered(c)
            me = farend.FarEnd("selftest-device")
            me.tone.freq = 440.0
            offer = await me.create_offer()
            st, body, _ = await c.request("POST", "/start", {
                "to": "14255550199", "from": "14255550100", "sdp": offer,
                "clientCorrelator": str(uuid.uuid4())})
            self.assertEqual(st, 200, body)
            call_id = body["callId"]
            seen = []
            v = await wait_status(ws, "Connected", seen=seen)
            self.assertEqual(seen, ["InProgress", "Connected"])
            self.assertTrue(v["callObjectRef"].endswith("/" + call_id))
            await me.set_remote_answer(v["sdp"])
            await asyncio.sleep(2.5)
            heard = me.audio_report()
            self.assertGreater(dominant(heard, 990, 1010), 8, heard["top_frequencies"])
            # DTMF to the far end (pt from the answer).
            pts = farend.telephone_event_pts(v["sdp"])
            pt = [p for p, r in pts.items() if r == 48000][0]
            await send_dtmf(me.pc, "1#9", pt, 48000)
            await asyncio.sleep(0.3)
            rep = self.sim.get(f"/call/{call_id}/audio")
            self.assertGreater(dominant(rep, 430, 450), 8, rep["top_frequencies"])
            self.assertEqual(rep["dtmf_digits"], "1#9")
            self.assertEqual(rep["dtmf"][0]["duration_ms"], 200.0)
            # Local hold with one simulated 500 on the post: retried with the same txid.
            self.sim.post("/fault", {"name": "http_500_once"})
            reoffer = await me.create_offer("sendonly")
            txid = str(uuid.uuid4())
            st, body, _ = await c.request("POST", f"/hold/{call_id}", {"sdp": reoffer}, txid=txid)
            self.assertEqual((st, body), (500, {"returnCode": 500,
                                                "status": "INTERNAL_SERVER_ERROR"}))
            st, _, _ = await c.request("POST", f"/hold/{call_id}", {"sdp": reoffer}, txid=txid)
            self.assertEqual(st, 200)
            v = await wait_status(ws, "Hold")
            self.assertIn("a=recvonly", v["sdp"])
            await me.set_remote_answer(v["sdp"])
            t = me.analyzer._t() + 300   # the far end goes silent while held
            await asyncio.sleep(1.3)
            self.assertEqual(dominant(me.audio_report(since_ms=t), 990, 1010), 0)
            st, _, _ = await c.request("POST", f"/resume/{call_id}",
                                       {"sdp": await me.create_offer("sendrecv")})
            self.assertEqual(st, 200)
            v = await wait_status(ws, "Resume")
            await me.set_remote_answer(v["sdp"])
            # Remote hold: the network's offer in a Hold status; answer on /acceptHold.
            self.sim.post(f"/call/{call_id}/hold")
            v = await wait_status(ws, "Hold")
            self.assertIn("a=sendonly", v["sdp"])
            await me.set_remote_offer(v["sdp"])
            st, _, _ = await c.request("POST", f"/acceptHold/{call_id}",
                                       {"sdp": await me.create_answer()})
            self.assertEqual(st, 200)
            self.assertEqual(self.sim.get(f"/call/{call_id}")["state"], "remote_held")
            self.sim.post(f"/call/{call_id}/resume")
            v = await wait_status(ws, "Resume")
            await me.set_remote_offer(v["sdp"])
            st, _, _ = await c.request("POST", f"/acceptResume/{call_id}",
                                       {"sdp": await me.create_answer()})
            self.assertEqual(st, 200)
            # Hang up.
            st, _, _ = await c.request("DELETE", f"/end/{call_id}",
                                       extra_headers={"reason": "Terminated"})
            self.assertEqual(st, 200)
            call = self.sim.get(f"/call/{call_id}")
            self.assertEqual((call["state"], call["end_reason"], call["ended_by"]),
                             ("ended", "Terminated", "device"))
            holds = [r for r in call["requests"] if r["path"].startswith("/hold/")]
            self.assertEqual([r["txid"] for r in holds], [txid, txid])
            await me.close()
            await ws.close()
            self.assertNoViolations()

    async def test_incoming_call(self):
        async with YnaClient(self.info) as c:
            ws = await self._registered(c)
            res = self.sim.post("/call/incoming", {"from": "+14255550123",
                                                   "verificationStatus": "TN-Validation-Passed"})
            (t, v), = await next_notifications(ws)
            self.assertEqual(t, "sessionInvitationNotification")
            self.assertEqual(v["originatorAddress"], "tel:+14255550123")
            call_id = v["callObjectRef"].rsplit("/", 1)[-1]
            self.assertEqual(call_id, res["callId"])
            for step in ("inProgress", "ringing"):
                st, _, _ = await c.request("POST", f"/{step}/{call_id}")
                self.assertEqual(st, 200)
            me = farend.FarEnd("selftest-device-mt")
            me.tone.freq = 600.0
            await me.set_remote_offer(v["sdp"])
            st, _, _ = await c.request("POST", f"/connected/{call_id}",
                                       {"sdp": await me.create_answer()})
            self.assertEqual(st, 200)
            await asyncio.sleep(2.5)
            self.assertGreater(dominant(me.audio_report(), 990, 1010), 8)
            rep = self.sim.get(f"/call/{call_id}/audio")
            self.assertGreater(dominant(rep, 590, 610), 8, rep["top_frequencies"])
            # Network renegotiation: offer in a Connected status, answered on /renegotiate;
            # then the device's own renegotiation, answered in a Connected status.
            self.sim.post(f"/call/{call_id}/renegotiate")
            v = await wait_status(ws, "Connected")
            await me.set_remote_offer(v["sdp"])
            st, _, _ = await c.request("POST", f"/renegotiate/{call_id}",
                                       {"sdp": await me.create_answer()})
            self.assertEqual(st, 200)
            self.assertIsNone(self.sim.get(f"/call/{call_id}")["offer_outstanding"])
            st, _, _ = await c.request("POST", f"/renegotiate/{call_id}",
                                       {"sdp": await me.create_offer()})
            self.assertEqual(st, 200)
            v = await wait_status(ws, "Connected")
            await me.set_remote_answer(v["sdp"])
            t = me.analyzer._t()
            await asyncio.sleep(1.0)
            self.assertGreater(dominant(me.audio_report(since_ms=t), 990, 1010), 5)
            self.sim.post(f"/call/{call_id}/terminate")
            await wait_status(ws, "Terminated")
            await me.close()
            # Cancelled before the answer.
            res = self.sim.post("/call/incoming", {"from": "+14255550125"})
            await next_notifications(ws)
            st, _, _ = await c.request("POST", f"/inProgress/{res['callId']}")
            self.sim.post(f"/call/{res['callId']}/cancel")
            v = await wait_status(ws, "SessionCancelled")
            self.assertEqual(self.sim.get(f"/call/{res['callId']}")["state"], "ended")
            # Declined incoming call.
            res = self.sim.post("/call/incoming", {"from": "4255550124"})
            await next_notifications(ws)
            st, _, _ = await c.request("DELETE", f"/end/{res['callId']}",
                                       extra_headers={"reason": "Declined"})
            self.assertEqual(st, 200)
            self.assertEqual(self.sim.get(f"/call/{res['callId']}")["end_reason"], "Declined")
            await ws.close()
            self.assertNoViolations()

    async def test_number_behaviours(self):
        async with YnaClient(self.info) as c:
            ws = await self._registered(c)
            for number, statuses in (("+14255550196", ["InProgress", "Busy"]),
                                     ("+14255550193", ["NotReachable"])):
                me = farend.FarEnd("x")
                st, body, _ = await c.request("POST", "/start", {
                    "to": number.lstrip("+"), "from": "14255550100", "sdp": await me.create_offer(),
                    "clientCorrelator": str(uuid.uuid4())})
                self.assertEqual(st, 200)
                seen = []
                await wait_status(ws, statuses[-1], seen=seen)
                self.assertEqual(seen, statuses)
                await me.close()
            # Early media: the answer comes with InProgress 183, we hear 425 Hz, then a
            # late Ringing, then Connected without sdp and the 1000 Hz tone.
            self.sim.post("/config", {"ring_delay_s": 2.0})
            me = farend.FarEnd("early")
            corr = str(uuid.uuid4())
            req = {"to": "14255550197", "from": "14255550100", "sdp": await me.create_offer(),
                   "clientCorrelator": corr}
            st, body, _ = await c.request("POST", "/start", req)
            # A retried /start with the same clientCorrelator is the same call.
            st2, body2, _ = await c.request("POST", "/start", req)
            self.assertEqual(body2["callId"], body["callId"])
            v = await wait_status(ws, "InProgress")
            self.assertEqual(v["earlyMediaDirection"], "SendRecv")
            await me.set_remote_answer(v["sdp"])
            await asyncio.sleep(1.8)
            self.assertGreater(dominant(me.audio_report(), 415, 435), 5)
            await wait_status(ws, "Ringing")
            v = await wait_status(ws, "Connected")
            self.assertNotIn("sdp", v)
            t = me.analyzer._t()
            await asyncio.sleep(1.5)
            self.assertGreater(dominant(me.audio_report(since_ms=t), 990, 1010), 5)
            st, _, _ = await c.request("DELETE", f"/end/{body['callId']}",
                                       extra_headers={"reason": "Terminated"})
            self.assertEqual(st, 200)
            await me.close()
            starts = [c for c in self.sim.get("/calls").values() if c["peer"] == "+14255550197"]
            self.assertEqual(len(starts), 1)
            self.assertEqual(len([r for r in starts[0]["requests"] if r["path"] == "/start"]), 2)
            await ws.close()
            self.assertNoViolations()


if __name__ == "__main__":
    unittest.main(verbosity=2)
