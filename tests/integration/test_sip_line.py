#!/usr/bin/python3
"""The SIP line end to end (sip-line.md): the real dialtoned registers to
Kamailio (digest auth, rtpengine relaying every call) and calls baresip, an
independent SIP stack, both ways. Audio is checked by tone detection both
ways: the device's microphone WAV carries 600 Hz, baresip sends 1000 Hz.
What baresip hears after a hold is read from rtpengine's recordings of what
the device sent (baresip 1.0.0 stops recording at the first hold, see
tests/sipnet/README.md). Runs in a private network namespace."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sip_it import FAR_HZ, MIC_HZ, RINGBACK_HZ, SipDevice, device_rtp_port, kamailio_sip  # noqa: E402
from sipnet import Baresip, Kamailio, RtpEngine, User, tones, wait_until  # noqa: E402

DEVICE, DEVICE_PW = "101", "pw-dev"
TLS_DEVICE, TLS_DEVICE_PW = "102", "pw-tls"
FAR, FAR_PW = "202", "pw-far"
REFUSED, REFUSED_PW = "303", "pw-refused"

USERS = {
    DEVICE: DEVICE_PW,
    # Called over TLS: rtpengine offers the device SDES (its own offers over TLS are SDES: media auto).
    TLS_DEVICE: User(TLS_DEVICE_PW, media="sdes"),
    # baresip speaks plain RTP: rtpengine bridges whatever the device offers.
    FAR: User(FAR_PW, media="rtp"),
    REFUSED: User(REFUSED_PW, refused=True),
}


class SipCase(unittest.TestCase):
    """Per class: rtpengine and Kamailio (UDP, TCP, TLS). Per test: baresip
    as 202 and the device."""

    @classmethod
    def setUpClass(cls):
        cls.rtp = RtpEngine()
        cls.rtp.__enter__()
        try:
            cls.k = Kamailio(users=USERS, transports=("udp", "tcp", "tls"), rtpengine=cls.rtp)
            cls.k.__enter__()
        except BaseException:
            cls.rtp.close(failed=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.k.close(failed=cls.class_failed)
        cls.rtp.close(failed=cls.class_failed)

    class_failed = False

    def setUp(self):
        r = self._outcome.result
        self._problems = len(r.failures) + len(r.errors)

    def _failed(self):
        r = self._outcome.result
        failed = len(r.failures) + len(r.errors) > self._problems
        if failed:
            type(self).class_failed = True
        return failed

    def far_end(self, **kw):
        far = Baresip(FAR, FAR_PW, self.k, tone_hz=FAR_HZ, **kw)
        far.__enter__()
        self.addCleanup(lambda: far.close(failed=self._failed()))
        self.k.wait_registered(FAR)
        return far

    def device(self, user=DEVICE, password=DEVICE_PW, transport="udp", start=True, **sip):
        dev = SipDevice(kamailio_sip(self.k, user, password, transport, **sip))
        self.addCleanup(lambda: dev.close(failed=self._failed()))
        if start:
            dev.start()
        return dev

    def registered_device(self, **kw):
        dev = self.device(**kw)
        dev.wait_line("registered")
        return dev

    def connected_call(self):
        """(far, dev): a registered device that dialled baresip, answered."""
        far = self.far_end()
        dev = self.registered_device()
        dev.command("dial", to=FAR)
        far.wait_event("CALL_INCOMING")
        far.accept()
        dev.call_event("connected")
        far.wait_event("CALL_ESTABLISHED")
        return far, dev

    def assert_two_way_audio(self, dev, far, what):
        self.assertTrue(dev.wait_hears(FAR_HZ), f"{what}: baresip's {FAR_HZ} Hz not in the earpiece")
        far.wait_heard(MIC_HZ)  # AssertionError naming what it heard instead


class Registration(SipCase):
    def test_registers_reports_the_line_and_unregisters_on_sigterm(self):
        dev = self.device(start=False)
        dev.start()
        dev.wait_line("registered")
        contacts = self.k.wait_registered(DEVICE)
        self.assertEqual(len(contacts), 1, contacts)
        line = dev.sip_line()
        self.assertIsNotNone(line, dev.status())
        self.assertEqual(line["state"], "registered")
        self.assertEqual(line["msisdn"], f"sip:{DEVICE}@{self.k.domain}")
        self.assertNotIn(DEVICE_PW, str(dev.status()))  # the password is never shown
        self.assertEqual(dev.stop(), 0)
        self.k.wait_unregistered(DEVICE, timeout=3)
        self.assertNotIn(DEVICE_PW, dev.log())  # nor logged

    def test_offline_while_the_registrar_is_down_then_registered(self):
        # A registrar that starts after the device: the line is offline
        # naming the refused connection, retries after its backoff and
        # registers.
        k = Kamailio(users={DEVICE: DEVICE_PW})
        self.addCleanup(lambda: k.close(failed=self._failed()))
        dev = SipDevice(kamailio_sip(k, DEVICE, DEVICE_PW))
        self.addCleanup(lambda: dev.close(failed=self._failed()))
        dev.start()
        line = wait_until(lambda: (lambda x: x if x["state"] == "offline" else None)(dev.sip_line()), 5,
                          "the line to go offline")
        self.assertIn("refused", line.get("reason", ""), line)
        k.__enter__()
        ev = dev.line_event("registered", timeout=30)
        self.assertEqual(ev["msisdn"], f"sip:{DEVICE}@{k.domain}")
        k.wait_registered(DEVICE)

    def test_broken_connection_registers_again(self):
        # Over TCP, the registrar going away is seen at once: the line is
        # registering again, and registered once a registrar is back on the
        # same address.
        k = Kamailio(users={DEVICE: DEVICE_PW})
        k.__enter__()
        self.addCleanup(lambda: k.close(failed=self._failed()))
        dev = SipDevice(kamailio_sip(k, DEVICE, DEVICE_PW, transport="tcp"))
        self.addCleanup(lambda: dev.close(failed=self._failed()))
        dev.start()
        dev.wait_line("registered")
        k.stop()
        dev.line_event("registering")
        again = Kamailio(users={DEVICE: DEVICE_PW})
        again.port = k.port
        again.__enter__()
        self.addCleanup(lambda: again.close(failed=self._failed()))
        ev = dev.line_event("registered", timeout=30)
        self.assertEqual(ev["msisdn"], f"sip:{DEVICE}@{again.domain}")
        again.wait_registered(DEVICE)

    def test_refused_credentials_take_the_line_offline_naming_403(self):
        dev = self.device(user=REFUSED, password=REFUSED_PW)
        ev = dev.wait_line("offline")
        self.assertIn("403", ev.get("reason", ""), ev)
        self.assertEqual(ev["msisdn"], f"sip:{REFUSED}@{self.k.domain}")
        self.assertEqual(dev.sip_line()["state"], "offline")
        self.assertIn("403", dev.sip_line().get("reason", ""))
        self.assertEqual(self.k.contacts(REFUSED), [])
        # Dialling on an offline line is refused with the line's reason.
        r = dev.request({"cmd": "dial", "to": FAR})
        self.assertFalse(r["ok"], r)
        self.assertIn("403", r["error"]["message"], r)


class OutgoingCall(SipCase):
    def test_ringback_answer_audio_dtmf_hold_resume_hangup(self):
        far = self.far_end()
        dev = self.registered_device(display_name="Front desk")
        t0 = time.time()
        dev.command("dial", to=FAR)
        incoming = far.wait_event("CALL_INCOMING")
        self.assertEqual(incoming.get("peeruri"), f"sip:{DEVICE}@{self.k.domain}", incoming)
        self.assertEqual(incoming.get("peerdisplayname"), "Front desk", incoming)
        dev.call_event("ringing")
        self.assertTrue(dev.wait_hears(RINGBACK_HZ[0], timeout=8, min_ratio=0.15), "no ringback after 180")

        far.accept()
        ev = dev.call_event("connected")
        self.assertEqual(ev["direction"], "out")
        self.assertEqual(ev["line"], "sip")
        far.wait_event("CALL_ESTABLISHED")
        self.assert_two_way_audio(dev, far, "connected")

        dev.command("dtmf", digits="19#")
        self.assertEqual(far.received_digits(3), "19#")

        t_hold = time.time()
        dev.command("hold")
        dev.call_event("held")
        time.sleep(2.0)
        t_resume = time.time()
        dev.command("resume")
        dev.call_event("connected")
        self.assertTrue(dev.wait_hears(FAR_HZ), "baresip's tone not back in the earpiece after resume")
        time.sleep(2.0)
        t_end = time.time()

        dev.command("hangup")
        ended = dev.call_event("ended")
        self.assertEqual(ended["direction"], "out")
        closed = far.wait_event("CALL_CLOSED")
        self.assertNotIn("error", str(closed.get("param", "")).lower(), closed)

        # What baresip was sent, as the relay received it from the device.
        port = wait_until(lambda: self._device_port(far, t0), 5, "the relay's recordings")
        x, rate = self.rtp.audio_from(port, t0, t_hold)
        self.assertTrue(tones.has_tone(x, MIC_HZ, rate), "the relay never had the device's tone before the hold")
        held, rate = self.rtp.audio_from(port, t_hold + 1.0, t_resume)
        self.assertFalse(tones.has_tone(held, MIC_HZ, rate, min_ratio=0.1),
                         "the device's microphone still reached baresip while held")
        resumed = wait_until(lambda: self._audio_with(port, t_resume + 1.0, t_end, MIC_HZ), 5,
                             "the device's tone after resume in the relay's recordings")
        self.assertTrue(resumed)

    def _device_port(self, far, since):
        try:
            return device_rtp_port(self.rtp, far, since)
        except AssertionError:
            return None

    def _audio_with(self, port, since, until, hz):
        x, rate = self.rtp.audio_from(port, since, until)
        return tones.has_tone(x, hz, rate)

    def test_far_end_holds_and_resumes_audio_both_ways_after(self):
        """baresip's re-INVITEs (sendonly, then sendrecv): the device shows
        remote_held and connected again, and after the resume each side
        hears the other (what baresip hears, from the relay's recordings:
        baresip 1.0.0 stops its own recording at a hold)."""
        t0 = time.time()
        far, dev = self.connected_call()
        self.assert_two_way_audio(dev, far, "connected")

        far.hold()
        dev.call_event("remote_held")
        time.sleep(1.0)
        t_resume = time.time()
        far.resume()
        dev.call_event("connected")
        self.assertTrue(dev.wait_hears(FAR_HZ), "baresip's tone not back in the earpiece after its resume")
        time.sleep(3.0)
        t_end = time.time()
        dev.command("hangup")
        dev.call_event("ended")
        far.wait_event("CALL_CLOSED")

        port = wait_until(lambda: self._device_port(far, t0), 5, "the relay's recordings")
        resumed = wait_until(lambda: self._audio_with(port, t_resume + 1.0, t_end, MIC_HZ), 5,
                             "the device's tone after baresip's resume in the relay's recordings")
        self.assertTrue(resumed)

    def test_far_end_hangs_up(self):
        far, dev = self.connected_call()
        far.hangup()
        ended = dev.call_event("ended")
        self.assertTrue(ended["reason"].startswith("remote_hangup"), ended)
        self.assertEqual([c["state"] for c in dev.status().get("calls", [])], ["ended"])


class IncomingCall(SipCase):
    def test_rings_answer_audio_dtmf_far_end_hangs_up(self):
        far = self.far_end()
        dev = self.registered_device()
        far.dial(self.k.aor(DEVICE))
        ev = dev.call_event("ringing")
        self.assertEqual(ev["direction"], "in")
        self.assertEqual(ev["line"], "sip")
        self.assertEqual(ev["peer"], FAR)
        far.wait_event("CALL_RINGING")  # our 180 reached it

        dev.command("answer")
        dev.call_event("connected")
        far.wait_event("CALL_ESTABLISHED")
        self.assert_two_way_audio(dev, far, "answered")

        far.send_dtmf("47*")
        digits = [dev.ctl.wait_event(lambda e: e["event"] == "dtmf", 10) for _ in range(3)]
        self.assertEqual("".join(d["digit"] for d in digits), "47*")
        self.assertEqual({d["via"] for d in digits}, {"rfc4733"})

        far.hangup()
        ended = dev.call_event("ended")
        self.assertTrue(ended["reason"].startswith("remote_hangup"), ended)

    def test_device_hangs_up(self):
        far = self.far_end()
        dev = self.registered_device()
        far.dial(self.k.aor(DEVICE))
        dev.call_event("ringing")
        dev.command("answer")
        dev.call_event("connected")
        far.wait_event("CALL_ESTABLISHED")
        dev.command("hangup")
        dev.call_event("ended")
        far.wait_event("CALL_CLOSED")


class TlsWithSdes(SipCase):
    """Over TLS the device offers SDES (media auto); rtpengine turns it into
    plain RTP for baresip, and offers the device SDES when it is called."""

    def test_outgoing_call_over_tls_with_sdes_two_way_audio(self):
        far = self.far_end()
        dev = self.registered_device(user=TLS_DEVICE, password=TLS_DEVICE_PW, transport="tls")
        contact = self.k.wait_registered(TLS_DEVICE)[0]
        self.assertIn("transport=tls", str(contact).lower())
        dev.command("dial", to=FAR)
        far.wait_event("CALL_INCOMING")
        far.accept()
        dev.call_event("connected")
        far.wait_event("CALL_ESTABLISHED")
        self.assert_two_way_audio(dev, far, "over TLS")
        self.assertTrue(dev.logged(r"call \d+ connected \(sdes,"), "the call's media was not SDES")
        dev.command("hangup")
        dev.call_event("ended")
        far.wait_event("CALL_CLOSED")

    def test_incoming_call_over_tls_with_sdes_two_way_audio(self):
        far = self.far_end()
        dev = self.registered_device(user=TLS_DEVICE, password=TLS_DEVICE_PW, transport="tls")
        far.dial(self.k.aor(TLS_DEVICE))
        dev.call_event("ringing")
        dev.command("answer")
        dev.call_event("connected")
        far.wait_event("CALL_ESTABLISHED")
        self.assert_two_way_audio(dev, far, "called over TLS")
        self.assertTrue(dev.logged(r"call \d+ connected \(sdes,"), "the call's media was not SDES")
        far.hangup()
        dev.call_event("ended")


if __name__ == "__main__":
    unittest.main(verbosity=2)
