#!/usr/bin/python3
"""The SIP line's corner cases (sip-line.md section 6): the SIPp scenarios of
tests/sipnet/scenarios against the real dialtoned.

uas_* scenarios: SIPp is the device's registrar and outbound proxy (the
device's `outbound_proxy` is SIPp's port), so the device's REGISTER and
INVITE reach it. uac_* scenarios: SIPp calls the device at its own address.
The device answers datagrams from its next hop only, so a small registrar of
the test answers its REGISTER on a port first and then hands that port to
SIPp, which sends from it.

The same scenarios pass against another SIP stack (tests/sipnet/
test_scenarios.py), so a failure here is the device's. uac_no_ack.xml takes
64*T1 (32 s) and runs only with SIPNET_SLOW=1. Runs in a private network
namespace."""
import os
import re
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sip_it import BUSY_HZ, MIC_HZ, RINGBACK_HZ, SipDevice, rms, sip_config, tone_ratio  # noqa: E402
from sipnet import LOOPBACK, Sipp, received, sipclient, wait_until  # noqa: E402

USER, PASSWORD, DOMAIN = "dev", "secret", "sipnet.test"  # SIPp's default keys (tests/sipnet/sipp.py)


def device_sip(port, transport="udp", **more):
    """A device whose registrar and outbound proxy is 127.0.0.1:port. No
    keep-alive during a test (each one would be a call for SIPp to count)."""
    more.setdefault("keepalive_s", 3600)
    more.setdefault("media", "rtp")
    return sip_config(registrar=f"sip:{DOMAIN}", username=USER, password=PASSWORD,
                      outbound_proxy=f"sip:{LOOPBACK}:{port};transport={transport}", transport=transport, **more)


class Registrar:
    """Answers REGISTER (and OPTIONS) 200 on a UDP port of its own until
    close(); `device` is where the device sends from."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.device = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            text = data.decode(errors="replace")
            method = text.split(" ", 1)[0]
            if method not in ("REGISTER", "OPTIONS"):
                continue
            head = text.split("\r\n\r\n", 1)[0].split("\r\n")[1:]
            keep = [h for h in head if re.match(r"(?i)(via|v|from|f|to|t|call-id|i|cseq):", h)]
            lines = ["SIP/2.0 200 OK"]
            for h in keep:
                lines.append(h + (";tag=registrar" if re.match(r"(?i)(to|t):", h) and "tag=" not in h else ""))
            if method == "REGISTER":
                contact = next((h.split(":", 1)[1].strip() for h in head if re.match(r"(?i)(contact|m):", h)), "")
                lines.append(f"Contact: {contact.split(';expires')[0]};expires=600")
            lines += ["Content-Length: 0", "", ""]
            self.sock.sendto("\r\n".join(lines).encode(), peer)
            self.device = peer

    def close(self):
        """Frees the port (for SIPp to take)."""
        self._stop.set()
        self._thread.join()
        self.sock.close()


class CornerCase(unittest.TestCase):
    def setUp(self):
        r = self._outcome.result
        self._problems = len(r.failures) + len(r.errors)

    def _failed(self):
        r = self._outcome.result
        return len(r.failures) + len(r.errors) > self._problems

    def sipp(self, scenario, target=None, **kw):
        s = Sipp(scenario, target, **kw)
        s.__enter__()
        self.addCleanup(lambda: s.close(failed=self._failed()))
        return s

    def device(self, sip):
        dev = SipDevice(sip)
        self.addCleanup(lambda: dev.close(failed=self._failed()))
        return dev.start()

    def assertPassed(self, s, timeout=30):
        r = s.wait(timeout)
        self.assertTrue(r.ok, r.explain())
        return r

    def assertAlive(self, dev):
        self.assertIsNone(dev.agent.proc.poll(), "dialtoned exited")
        self.assertIn("lines", dev.status())


class Registration(CornerCase):
    """SIPp is the registrar."""

    def registering(self, scenario, **kw):
        sip = kw.pop("sip", {})
        s = self.sipp(scenario, **kw)
        return s, self.device(device_sip(s.local_port, **sip))

    def test_md5_challenge(self):
        s, dev = self.registering("uas_register_md5.xml")
        dev.wait_line("registered")
        r = self.assertPassed(s)
        self.assertTrue(sipclient.check_credentials(r.logged("AUTH")[0], PASSWORD, "REGISTER"), r.logged("AUTH"))
        self.assertFalse(sipclient.check_credentials(r.logged("AUTH")[0], "not-" + PASSWORD, "REGISTER"))

    def test_sha256_challenge(self):
        s, dev = self.registering("uas_register_sha256.xml")
        dev.wait_line("registered")
        r = self.assertPassed(s)
        auth = r.logged("AUTH")[0]
        self.assertIn("algorithm=SHA-256", auth)
        self.assertTrue(sipclient.check_credentials(auth, PASSWORD, "REGISTER"), auth)

    def test_stale_nonce_is_not_a_failure(self):
        s, dev = self.registering("uas_register_stale.xml")
        dev.wait_line("registered")
        r = self.assertPassed(s)
        digests = r.logged("DIGEST")  # the answer to the stale=true challenge
        self.assertEqual(len(digests), 1, digests)
        self.assertRegex(digests[0], r'nonce="sipnet\d+n\d+b"')  # the new nonce
        self.assertIn("nc=00000001", digests[0])
        self.assertNotIn("sip offline", dev.log())  # never offline on the way

    def test_interval_too_brief_retries_with_min_expires(self):
        s, dev = self.registering("uas_register_423.xml", variables={"min_expires": 120},
                                  sip={"expires_s": 60})
        dev.wait_line("registered")
        r = self.assertPassed(s)
        self.assertEqual(r.logged("ASKED"), ["120"])

    def test_refused_credentials_go_offline_naming_403(self):
        s, dev = self.registering("uas_register_403.xml")
        line = dev.wait_line("offline")
        self.assertIn("403", line["reason"], line)
        self.assertPassed(s)


class OutgoingCall(CornerCase):
    """The device calls through SIPp, its registrar and outbound proxy (SIPp
    counts the device's REGISTER and the INVITE as two calls)."""

    def calling(self, scenario, number="202", **kw):
        kw.setdefault("max_calls", 2)
        s = self.sipp(scenario, **kw)
        dev = self.device(device_sip(s.local_port))
        dev.wait_line("registered")
        dev.command("dial", to=number)
        return s, dev

    def assertEarpieceHas(self, dev, hz, seconds=1.0, what="", min_ratio=0.1):
        x, rate = dev.earpiece(seconds)
        self.assertGreater(tone_ratio(x, hz, rate), min_ratio, f"{what}: {hz} Hz not in the earpiece")

    def test_busy_486_plays_busy_tone(self):
        s, dev = self.calling("uas_busy_486.xml")
        ended = dev.call_event("ended")
        self.assertTrue(ended["reason"].startswith("busy"), ended)
        self.assertEarpieceHas(dev, BUSY_HZ[0], what="486")
        r = self.assertPassed(s)  # the 486 was ACKed
        self.assertIn("RTP/AVP", r.logged("OFFER")[0])
        self.assertIn(f"sip:202@{DOMAIN}", r.logged("DEVICE")[0])

    def test_decline_603_plays_busy_tone(self):
        s, dev = self.calling("uas_decline_603.xml")
        ended = dev.call_event("ended")
        self.assertTrue(ended["reason"].startswith("declined"), ended)
        self.assertEarpieceHas(dev, BUSY_HZ[0], what="603")
        self.assertPassed(s)

    def test_ringing_then_answer(self):
        s, dev = self.calling("uas_ring_answer.xml", variables={"ring_ms": 3000})
        dev.call_event("ringing")
        self.assertEarpieceHas(dev, RINGBACK_HZ[0], what="180")
        dev.call_event("connected")
        dev.command("hangup")
        dev.call_event("ended")
        self.assertPassed(s)  # ACK, then our BYE

    def test_far_end_hangs_up(self):
        s, dev = self.calling("uas_answer_hangup.xml", variables={"call_ms": 500})
        dev.call_event("connected")
        ended = dev.call_event("ended")
        self.assertTrue(ended["reason"].startswith("remote_hangup"), ended)
        self.assertPassed(s)  # its BYE answered 200

    def test_early_media_183_then_180_brings_no_ringback(self):
        s, dev = self.calling("uas_early_media_183.xml", variables={"ring_ms": 3000})
        dev.call_event("early")
        # 183 now, 180 three seconds later, 200 three seconds after that:
        # the earpiece plays the (silent) early media, no local ringback.
        x, rate = dev.earpiece(5.0)
        self.assertLess(tone_ratio(x, RINGBACK_HZ[0], rate), 0.05, "ringback played during early media")
        self.assertLess(rms(x), 100)
        dev.call_event("connected")
        dev.command("hangup")
        dev.call_event("ended")
        self.assertPassed(s)

    def test_hang_up_while_ringing_cancels(self):
        s, dev = self.calling("uas_cancel_487.xml")
        dev.call_event("ringing")
        dev.command("hangup")
        dev.call_event("ended")
        r = self.assertPassed(s)  # CANCEL answered, the 487 ACKed
        self.assertEqual(len(received(r.messages, "CANCEL")), 1)
        self.assertEqual(len(received(r.messages, "ACK")), 1)

    def test_forked_answers_keep_the_first(self):
        s, dev = self.calling("uas_forked_2xx.xml")
        ev = dev.call_event("connected")
        time.sleep(1.0)  # the second fork is ACKed and ended with BYE meanwhile
        self.assertEqual(dev.status()["calls"][0]["state"], "connected")
        self.assertEqual(dev.status()["calls"][0]["call_id"], ev["call_id"])
        dev.command("hangup")
        dev.call_event("ended")
        r = self.assertPassed(s)
        self.assertEqual(len(r.logged("FORK")), 1)
        self.assertEqual(len(r.logged("FIRST")), 1)

    def test_glare_on_hold_is_retried(self):
        s, dev = self.calling("uas_glare.xml")
        dev.call_event("connected")
        dev.command("hold")
        dev.call_event("held", timeout=10)  # after our 491, theirs, and our retry
        dev.command("hangup")
        dev.call_event("ended")
        r = self.assertPassed(s)
        self.assertEqual(len(received(r.messages, "SIP/2.0 491")), 1)  # ours to SIPp's re-INVITE
        self.assertEqual(len(r.logged("RETRY")), 1)

    def test_retransmitted_200_is_acked_again(self):
        s, dev = self.calling("uas_200_retransmit.xml", variables={"retransmit_ms": 300})
        dev.call_event("connected")
        time.sleep(1.5)
        self.assertEqual(dev.status()["calls"][0]["state"], "connected")
        dev.command("hangup")
        dev.call_event("ended")
        r = self.assertPassed(s)
        self.assertEqual(len(received(r.messages, "ACK")), 2)

    def test_invite_challenged_407_is_answered_once(self):
        s, dev = self.calling("uas_invite_auth_407.xml")
        dev.call_event("connected")
        dev.command("hangup")
        dev.call_event("ended")
        r = self.assertPassed(s)
        auth = r.logged("PROXY-AUTH")[0]
        self.assertTrue(sipclient.check_credentials(auth, PASSWORD, "INVITE"), auth)
        invites = received(r.messages, "INVITE")
        self.assertEqual(len(invites), 2)
        cseq = [int(re.search(r"CSeq:\s*(\d+)", m).group(1)) for m in invites]
        self.assertGreater(cseq[1], cseq[0])
        call_ids = {re.search(r"Call-ID:\s*(\S+)", m).group(1) for m in invites}
        self.assertEqual(len(call_ids), 1)


class IncomingCall(CornerCase):
    """SIPp calls the device at its own address, from the port the device
    registered to."""

    def called(self, scenario, **kw):
        reg = Registrar()
        self.addCleanup(reg.close)
        dev = self.device(device_sip(reg.port))
        dev.wait_line("registered")
        host, port = reg.device
        reg.close()
        s = self.sipp(scenario, f"{host}:{port}", local_port=reg.port, service=USER, **kw)
        return s, dev

    def answered(self, scenario, **kw):
        s, dev = self.called(scenario, **kw)
        ev = dev.call_event("ringing")
        self.assertEqual(ev["direction"], "in")
        self.assertEqual(ev["peer"], "sipp")
        dev.command("answer")
        dev.call_event("connected")
        return s, dev

    def test_call_answered_then_far_end_hangs_up(self):
        s, dev = self.answered("uac_call.xml", variables={"call_ms": 500})
        ended = dev.call_event("ended")
        self.assertTrue(ended["reason"].startswith("remote_hangup"), ended)
        r = self.assertPassed(s)
        self.assertIn("m=audio", r.logged("ANSWER")[0])

    def test_delayed_offer_answered_in_the_ack(self):
        # SIPp echoes what the device sends to the address of its answer:
        # the device hears its own microphone once it applied the ACK's SDP.
        s, dev = self.answered("uac_delayed_offer.xml", variables={"call_ms": 4000}, rtp_echo=True)
        self.assertTrue(dev.wait_hears(MIC_HZ, timeout=3), "the answer in the ACK was not applied")
        dev.call_event("ended", timeout=10)
        r = self.assertPassed(s)
        self.assertTrue(r.logged("OFFER")[0].startswith("m=audio"), r.logged("OFFER"))

    def test_lost_ack_200_retransmitted(self):
        s, dev = self.answered("uac_lost_ack.xml", variables={"call_ms": 500})
        dev.call_event("ended", timeout=15)
        r = self.assertPassed(s)
        self.assertGreaterEqual(len(received(r.messages, "SIP/2.0 200")), 2 + 1)  # 200 twice, then 200 to BYE

    @unittest.skipUnless(os.environ.get("SIPNET_SLOW"), "64*T1 = 32 s; set SIPNET_SLOW=1")
    def test_no_ack_ends_with_bye(self):
        s, dev = self.called("uac_no_ack.xml", timeout_s=60)
        dev.call_event("ringing")
        dev.command("answer")
        # Never connected: our 200 is sent again until 64*T1, then BYE.
        seen = dev.events_until(lambda e: e["event"] == "call" and e["state"] == "ended", timeout=45)
        self.assertNotIn("connected", [e["state"] for e in seen if e["event"] == "call"])
        r = self.assertPassed(s, timeout=60)
        self.assertGreater(len(received(r.messages, "SIP/2.0 200")), 5)

    def test_retransmitted_invite_is_one_call(self):
        s, dev = self.called("uac_invite_retransmit.xml", variables={"call_ms": 500})
        dev.call_event("ringing")
        time.sleep(1.5)  # SIPp sends the INVITE again after our 180
        calls = dev.status()["calls"]
        self.assertEqual(len(calls), 1, calls)
        dev.command("answer")
        dev.call_event("connected")
        dev.call_event("ended")
        r = self.assertPassed(s)
        first, final = r.logged("TAGS")[0].split()
        self.assertEqual(first, final)

    def test_bye_for_unknown_dialog_gets_481(self):
        s, dev = self.called("uac_bye_unknown.xml")
        r = self.assertPassed(s)
        self.assertEqual(len(received(r.messages, "SIP/2.0 481")), 1)
        self.assertAlive(dev)

    def test_caller_cancels_while_ringing(self):
        s, dev = self.called("uac_cancel.xml", variables={"ring_ms": 1500})
        dev.call_event("ringing")
        ended = dev.call_event("ended")
        self.assertFalse(ended["reason"].startswith("local"), ended)
        r = self.assertPassed(s)  # 200 for the CANCEL, 487 for the INVITE
        self.assertEqual(len(received(r.messages, "SIP/2.0 487")), 1)
        dev.agent.wait_played_seconds(0.3)
        x, _ = dev.earpiece(0.5)
        self.assertLess(rms(x), 50, "still ringing after the CANCEL")

    def test_far_end_holds_and_resumes(self):
        s, dev = self.answered("uac_hold_resume.xml", variables={"call_ms": 1000})
        dev.call_event("remote_held")
        dev.call_event("connected")
        dev.call_event("ended")
        r = self.assertPassed(s)
        self.assertIn(r.logged("HELD")[0], ("a=recvonly", "a=inactive"))
        self.assertEqual(r.logged("RESUMED"), [""])  # no direction that holds (sendrecv, said or not)

    def test_info_dtmf_relay_reported_as_digit(self):
        s, dev = self.answered("uac_info_dtmf.xml", variables={"call_ms": 500})
        digit = dev.ctl.wait_event(lambda e: e["event"] == "dtmf", 10)
        self.assertEqual((digit["digit"], digit["via"]), ("5", "info"))
        dev.call_event("ended")
        self.assertPassed(s)

    def test_malformed_messages_leave_the_device_up(self):
        s, dev = self.called("uac_malformed.xml")
        r = self.assertPassed(s, timeout=40)  # the last OPTIONS got 200
        # The INVITE with garbage SDP is refused without ringing the phone.
        self.assertEqual(len(received(r.messages, "SIP/2.0 488")), 1)
        self.assertEqual(dev.status()["calls"], [])
        self.assertIn("CSeq: 9 OPTIONS", received(r.messages, "SIP/2.0 200")[-1])
        self.assertAlive(dev)
        self.assertEqual(dev.sip_line()["state"], "registered")


if __name__ == "__main__":
    unittest.main(verbosity=2)
