#!/usr/bin/python3
"""A DNS outage in the middle of a call: the real dialtoned, whose channel URL
names a host (the simulator's --host-name) that only this test's DNS server
resolves. The server goes silent and the network drops the channel: while
the device's lookup hangs, the call's audio keeps flowing and the control
socket keeps answering (the lookup never blocks the one event loop); the line
goes offline saying the DNS lookup timed out; with DNS back, it registers
again and the call is still up.

Everything stays on 127.0.0.1 inside the test's private network namespace."""
import os
import socket
import struct
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dialtone_harness import Control, read_wav, tone, tone_ratio, write_wav  # noqa: E402
from yna_it import YnaSetup  # noqa: E402

HOST_NAME = "yna.test"
MIC_HZ = 600
FAR_HZ = 1000
TYPE_A, CLASS_IN = 1, 1


class TinyDns:
    """A DNS server on 127.0.0.1 (UDP): A queries for HOST_NAME get 127.0.0.1,
    other types for it an empty answer, other names NXDOMAIN. With `silent`
    set it drops every query without a word, as a dead server does."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.silent = False
        self.answered = 0
        self.dropped = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self):
        self._stop = True
        self._thread.join(2)
        self.sock.close()

    def _serve(self):
        while not self._stop:
            try:
                query, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            if self.silent:
                self.dropped += 1
                continue
            reply = self.answer(query)
            if reply:
                self.sock.sendto(reply, peer)
                self.answered += 1

    @staticmethod
    def answer(query):
        if len(query) < 12:
            return None
        qid, flags, qdcount = struct.unpack("!HHH", query[:6])
        if flags & 0x8000 or qdcount != 1:
            return None  # a response, or not one question: not ours to answer
        pos, labels = 12, []
        while pos < len(query) and query[pos] != 0:
            n = query[pos]
            labels.append(query[pos + 1:pos + 1 + n].decode("ascii", "replace"))
            pos += 1 + n
        pos += 1
        if pos + 4 > len(query):
            return None
        qtype, qclass = struct.unpack("!HH", query[pos:pos + 4])
        question = query[12:pos + 4]
        known = ".".join(labels).lower() == HOST_NAME
        rcode = 0 if known else 3  # NXDOMAIN
        answers = b""
        if known and qtype == TYPE_A and qclass == CLASS_IN:
            # Name as a pointer to the question, TTL 0: nothing is cached.
            answers = struct.pack("!HHHIH", 0xC00C, TYPE_A, CLASS_IN, 0, 4) + socket.inet_aton("127.0.0.1")
        rd = flags & 0x0100
        header = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd | 0x0080 | rcode, 1,
                             1 if answers else 0, 0, 0)
        return header + question + answers


class DnsOutageTest(unittest.TestCase):
    def setUp(self):
        self.dns = TinyDns()
        self.addCleanup(self.dns.close)
        self.y = YnaSetup(sim_args=["--host-name", HOST_NAME], ping_s=5, pong_s=5,
                          yna_extra={"dns_servers": [f"127.0.0.1:{self.dns.port}"]})
        self.addCleanup(self.y.close)
        write_wav(self.y.agent.capture, tone([MIC_HZ], 2.0, 16000, level=6000), 16000)
        self.y.start_agent()
        self.ctl = self.y.agent.ctl
        self.ctl.request({"cmd": "subscribe"})

    def earpiece_ratio(self, seconds=1.0):
        self.y.agent.wait_played_seconds(seconds)
        x, rate = self.y.agent.playback_tail(seconds)
        return tone_ratio(x, FAR_HZ, rate)

    def far_heard_since(self, call_id, since_ms, hz=MIC_HZ):
        audio = self.y.admin("GET", f"/call/{call_id}/audio?since_ms={since_ms}")
        return [f for _, f, _ in audio["dominant_100ms"] if f and abs(f - hz) <= 20]

    def far_now_ms(self, call_id):
        rms = self.y.admin("GET", f"/call/{call_id}/audio")["rms_20ms"]
        return rms[-1][0] if rms else 0

    def test_call_survives_a_dns_outage_and_the_line_says_why(self):
        # Linked and registered, the channel reached by name through our DNS.
        self.y.link()
        self.y.wait_line("registered")
        self.assertGreaterEqual(self.dns.answered, 1, "the channel was not looked up through the test's DNS")
        chan = self.y.state()["channel"]["connections"]
        self.assertTrue(chan, "no channel connection")

        # A call with two-way audio.
        self.assertTrue(self.ctl.request({"cmd": "dial", "to": "14255550199"})["ok"])
        call = self.ctl.wait_event(lambda e: e["event"] == "call" and e["state"] == "connected", 15)
        call_id = call["call_id"]
        time.sleep(1.5)
        self.assertGreater(self.earpiece_ratio(), 0.3, "far end's 1000 Hz not in the earpiece")
        self.assertTrue(self.far_heard_since(call_id, 0), f"far end did not hear {MIC_HZ} Hz")

        # DNS dies, then the network drops the channel: the reconnect must look
        # the name up again, and that lookup hangs.
        self.dns.silent = True
        self.y.fault("close_1012")
        status_ctl = Control(os.path.join(self.y.agent.state_dir, "control.sock"))
        samples0 = len(read_wav(self.y.agent.playback)[0])
        t0 = time.time()
        ratios, status_s, offline = [], [], None
        while time.time() - t0 < 20:
            ratios.append(self.earpiece_ratio(1.0))  # one more second of audio, in real time
            t = time.time()
            st = status_ctl.request({"cmd": "status"})
            status_s.append(time.time() - t)
            self.assertTrue(st["ok"], st)
            if st["line"]["state"] == "offline":
                offline = st["line"]
                break
        outage_s = time.time() - t0
        played, rate = read_wav(self.y.agent.playback)
        played_s = (len(played) - samples0) / rate
        log = self.y.agent.log_text()[-3000:]
        self.assertIsNotNone(offline, f"the line never went offline: {st['line']}\n{log}")
        self.assertGreaterEqual(self.dns.dropped, 1, "the device never asked the silent DNS server")
        print(f"\noutage: {len(ratios)} s of audio, 1000 Hz ratios {[round(r, 2) for r in ratios]}, "
              f"status answered in {max(status_s) * 1000:.0f} ms at most, "
              f"played {played_s:.1f} s in {outage_s:.1f} s; reason: {offline.get('reason')!r}", file=sys.stderr)
        # The loop never froze: the earpiece kept playing the far end in real
        # time, second after second, and the control socket kept answering.
        self.assertGreaterEqual(len(ratios), 5, "the line went offline too soon to show anything")
        self.assertTrue(all(r > 0.3 for r in ratios), f"audio faltered during the lookup: {ratios}")
        self.assertGreater(played_s, 0.8 * outage_s, f"playback fell behind: {played_s:.1f} s in {outage_s:.1f} s")
        self.assertLess(max(status_s), 0.5, f"status took {max(status_s):.3f} s during the outage")
        # It says why, in words: the same on status, the event and the web page.
        reason = offline.get("reason", "")
        self.assertIn(f"cannot reach {HOST_NAME}: DNS lookup timed out after", reason)
        ev = self.ctl.wait_event(lambda e: e["event"] == "line" and e["state"] == "offline", 5)
        self.assertEqual(ev["reason"], reason)
        self.assertIn(reason, self.y.page())
        st = status_ctl.request({"cmd": "status"})
        self.assertEqual(st["calls"][0]["state"], "connected", st)

        # DNS is back: the line registers again (next attempt, or the hung
        # lookup's retransmit) and the call is still up, audio both ways.
        self.dns.silent = False
        since = self.far_now_ms(call_id)
        self.y.wait_line("registered", timeout=25)
        self.ctl.wait_event(lambda e: e["event"] == "line" and e["state"] == "registered", 5)
        st = status_ctl.request({"cmd": "status"})
        self.assertEqual(st["calls"][0]["state"], "connected", st)
        self.assertEqual(st["calls"][0]["call_id"], call_id)
        self.assertGreater(self.earpiece_ratio(), 0.3, "far end's 1000 Hz gone after the outage")
        time.sleep(1.0)
        self.assertTrue(self.far_heard_since(call_id, since), f"far end stopped hearing {MIC_HZ} Hz")
        # The network reaches the device again: its hang-up arrives over the new channel.
        self.y.admin("POST", f"/call/{call_id}/terminate")
        self.ctl.wait_event(lambda e: e["event"] == "call" and e["state"] == "ended", 10)
        self.y.assert_no_violations()


if __name__ == "__main__":
    unittest.main(verbosity=2)
