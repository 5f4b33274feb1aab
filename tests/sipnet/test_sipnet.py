#!/usr/bin/python3
"""Self-test of the SIP test network (sip-line.md section 6), without the
device: Kamailio registers and authenticates (MD5 and SHA-256 digest, UDP,
TCP, TLS), refuses (403) and bounds expiry (423); baresip calls baresip
through it with rtpengine relaying, two-way audio found by tone detection,
hold/resume seen on the wire, DTMF received; SDES and DTLS-SRTP are
bridged to plain RTP; SIPp registers with a challenge. Runs in a private
network namespace (scripts/in-netns.sh)."""
import os
import ssl
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipnet import Baresip, Kamailio, RtpEngine, User, run_sipp, sipclient, tones  # noqa: E402

A_HZ, B_HZ = 700, 1100   # each far end's tone: what the other must hear


def sdp_profiles(log_text: str) -> set:
    """Transport profiles of the m=audio lines a baresip saw or sent (its SIP trace)."""
    return {line.split()[2] for line in log_text.splitlines() if line.startswith("m=audio ")}


class NetworkCase(unittest.TestCase):
    """Dumps the shared parts' logs when a test of the class fails."""
    parts: list = []

    def setUp(self):
        result = self._outcome.result
        self._problems = len(result.failures) + len(result.errors)
        self.addCleanup(self._dump_if_failed)

    def failed(self) -> bool:
        # (_outcome.success reads True inside cleanups: count the result's problems)
        result = self._outcome.result
        return len(result.failures) + len(result.errors) > self._problems

    def _dump_if_failed(self):
        if self.failed():
            for p in self.parts:
                p.failed = True
                p.dump_log()

    def keep(self, part):
        """A part for this test only: stopped at its end, its log shown if the test failed."""
        part.__enter__()
        self.addCleanup(lambda: part.close(failed=self.failed()))
        return part


class SipNetworkTest(NetworkCase):
    @classmethod
    def setUpClass(cls):
        cls.rtp = RtpEngine()
        cls.rtp.__enter__()
        cls.k = Kamailio(users={"alice": "pw-alice", "bob": "pw-bob", "carol": "pw-carol",
                                "plain": User("pw-plain", media="rtp"), "tls1": "pw-tls1",
                                "mallory": User("pw-mallory", refused=True)},
                         transports=("udp", "tcp", "tls"), min_expires=60, rtpengine=cls.rtp)
        try:
            cls.k.__enter__()
        except BaseException:
            cls.rtp.close(failed=True)
            raise
        cls.parts = [cls.k, cls.rtp]

    @classmethod
    def tearDownClass(cls):
        cls.k.close()   # logs already shown by a failed test; directories kept then
        cls.rtp.close()

    def test_sipp_register_is_challenged_then_accepted(self):
        r = run_sipp("uac_register.xml", f"127.0.0.1:{self.k.port}", service="carol",
                     keys={"domain": self.k.domain, "expires": 300}, auth=("carol", "pw-carol"))
        self.assertTrue(r.ok, r.explain())
        self.assertIn('realm="sipnet.test"', r.logged("CHALLENGE")[0])
        self.assertTrue(self.k.contacts("carol"), "carol not in usrloc after the 200")
        bad = run_sipp("uac_register.xml", f"127.0.0.1:{self.k.port}", service="carol",
                       keys={"domain": self.k.domain}, auth=("carol", "not-her-password"))
        self.assertFalse(bad.ok, "a wrong password was accepted")

    def test_min_expires_and_refused_user(self):
        with sipclient.SipClient("127.0.0.1", self.k.port, "tcp") as c:
            rs = c.register("alice", "pw-alice", self.k.domain, expires=30)
        self.assertEqual([r.status for r in rs], [401, 423])
        self.assertEqual(rs[-1].header("Min-Expires"), "60")
        with sipclient.SipClient("127.0.0.1", self.k.port, "udp") as c:
            rs = c.register("mallory", "pw-mallory", self.k.domain)
        self.assertEqual([r.status for r in rs], [401, 403])
        self.assertEqual(self.k.contacts("mallory"), [])

    def test_tls_registration_with_certificate_checks(self):
        with Baresip("tls1", "pw-tls1", self.k, transport="tls") as b:
            contact = self.k.wait_registered("tls1")[0]
            self.assertIn("transport=tls", contact["Address"])
            self.assertTrue(contact["Socket"].startswith("tls:"), contact)
            b.command("reginfo")  # still alive
        # A client checking the certificate against the test CA and the address.
        with sipclient.SipClient("127.0.0.1", self.k.tls_port, "tls", ca_file=self.k.ca_file) as c:
            rs = c.register("bob", "pw-bob", self.k.domain, expires=120)
        self.assertEqual([r.status for r in rs], [401, 200])
        # The same with another CA must fail the handshake: the check is real.
        with self.assertRaises(ssl.SSLCertVerificationError):
            sipclient.SipClient("127.0.0.1", self.k.tls_port, "tls", ca_file=_other_ca(self))

    def test_call_two_way_audio_dtmf_hold_resume(self):
        a = self.keep(Baresip("alice", "pw-alice", self.k, tone_hz=A_HZ))
        b = self.keep(Baresip("bob", "pw-bob", self.k, tone_hz=B_HZ))
        self.k.wait_registered("alice")
        self.k.wait_registered("bob")

        a.dial(self.k.aor("bob"))
        incoming = b.wait_event("CALL_INCOMING")
        self.assertEqual(incoming.get("peeruri"), self.k.aor("alice"))
        b.accept()
        a.wait_event("CALL_ESTABLISHED")
        b.wait_event("CALL_ESTABLISHED")
        self.assertEqual(len(self.rtp.calls()), 1, "rtpengine does not relay the call")

        # Two-way audio through the relay, told apart by frequency.
        a.wait_heard(B_HZ)
        b.wait_heard(A_HZ)

        a.send_dtmf("159#")
        self.assertEqual(b.received_digits(4), "159#")

        # Hold: baresip stops sending both ways; resume brings both back.
        # (Debian's baresip 1.0.0 stops recording what it hears after a hold,
        # so the relay's recording is what shows the audio coming back.)
        b.drain_events()
        a.hold()
        self.assertEqual(b.wait_event("CALL_REMOTE_SDP").get("param"), "offer")
        time.sleep(1.0)
        t_hold = time.time()
        time.sleep(1.0)
        t_resume = time.time()
        a.resume()
        self.assertEqual(b.wait_event("CALL_REMOTE_SDP").get("param"), "offer")
        time.sleep(1.5)
        a.hangup()
        closed = b.wait_event("CALL_CLOSED")
        self.assertIn(closed.get("id"), (incoming.get("id"),))
        self.assertIn("a=sendonly", a.log_text(), "the hold offer was not sendonly")
        time.sleep(0.3)  # rtpengine closes its recording

        held_a, rate = self.rtp.audio_from(a.rtp_ports, since=t_hold - 0.5, until=t_resume)
        held_b, _ = self.rtp.audio_from(b.rtp_ports, since=t_hold - 0.5, until=t_resume)
        self.assertLess(len(held_a) + len(held_b), 0.2 * rate, "media flowed during the hold")
        after_a, rate = self.rtp.audio_from(a.rtp_ports, since=t_resume + 0.5)
        after_b, _ = self.rtp.audio_from(b.rtp_ports, since=t_resume + 0.5)
        self.assertGreaterEqual(tones.blocks_with_tone(after_a, A_HZ, rate), 5, "A silent after resume")
        self.assertGreaterEqual(tones.blocks_with_tone(after_b, B_HZ, rate), 5, "B silent after resume")

    def _bridged_call(self, caller_enc: str, callee: str, caller: str):
        a = self.keep(Baresip(caller, "pw-" + caller, self.k, tone_hz=A_HZ, media_enc=caller_enc))
        b = self.keep(Baresip(callee, "pw-" + callee, self.k, tone_hz=B_HZ))
        self.k.wait_registered(caller)
        self.k.wait_registered(callee)
        a.dial(self.k.aor(callee))
        b.wait_event("CALL_INCOMING")
        b.accept()
        a.wait_event("CALL_ESTABLISHED", 15)
        a.wait_heard(B_HZ)
        b.wait_heard(A_HZ)
        a.hangup()
        b.wait_event("CALL_CLOSED")
        return a, b

    def test_sdes_caller_bridged_to_plain_rtp(self):
        a, b = self._bridged_call("srtp-mand", "plain", "carol")
        self.assertEqual(sdp_profiles(a.log_text()), {"RTP/SAVP"})
        self.assertIn("a=crypto:", a.log_text())
        self.assertEqual(sdp_profiles(b.log_text()), {"RTP/AVP"})
        self.assertNotIn("a=crypto:", b.log_text())

    def test_dtls_caller_bridged_to_plain_rtp(self):
        a, b = self._bridged_call("dtls_srtp", "plain", "alice")
        self.assertEqual(sdp_profiles(a.log_text()), {"UDP/TLS/RTP/SAVPF"})
        self.assertEqual(sdp_profiles(b.log_text()), {"RTP/AVP"})
        self.assertNotIn("a=fingerprint:", b.log_text())


class Sha256DigestTest(NetworkCase):
    def test_kamailio_sha256_challenge_and_verification(self):
        k = self.keep(Kamailio(users={"dev": "pw-dev"}, algorithm="SHA-256"))
        self.parts = [k]
        with sipclient.SipClient("127.0.0.1", k.port) as c:
            rs = c.register("dev", "pw-dev", k.domain)
        self.assertEqual([r.status for r in rs], [401, 200])
        self.assertIn("algorithm=SHA-256", rs[0].header("WWW-Authenticate"))
        with sipclient.SipClient("127.0.0.1", k.port) as c:
            rs = c.register("dev", "wrong", k.domain)
        self.assertNotIn(200, [r.status for r in rs])


def _other_ca(test) -> str:
    """A CA certificate that did not sign Kamailio's."""
    import tempfile
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sim"))
    from pki import ensure_pki
    d = tempfile.mkdtemp(prefix="sipnet-other-ca-")
    test.addCleanup(lambda: __import__("shutil").rmtree(d, ignore_errors=True))
    return ensure_pki(d).ca_file


if __name__ == "__main__":
    unittest.main(verbosity=2)
