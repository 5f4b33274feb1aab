"""The handset end to end: the real dialtoned on the simulated board, driven
through the control socket, heard through its playback WAV.

Lift the hook -> 350 Hz and 440 Hz (precise dial tone) in the earpiece.
Dial with no line linked -> intercept tones then reorder (480 + 620 Hz), and
the status says why. Replace the handset -> silence.
"""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from dialtone_harness import Agent, Control, binary, rms, tone_ratio  # noqa: E402


class HandsetEndToEnd(unittest.TestCase):
    def setUp(self):
        self.agent = Agent().start()
        self.ctl = self.agent.ctl

    def tearDown(self):
        rc = self.agent.stop()
        self.assertEqual(rc, 0, "dialtoned should exit cleanly on SIGTERM:\n" + self.agent.log_text())

    def test_dial_tone_then_reorder_without_a_line(self):
        status = self.ctl.request({"cmd": "status"})
        self.assertTrue(status["ok"])
        self.assertEqual(status["line"]["state"], "unlinked")

        self.agent.wait_played_seconds(0.3)
        quiet, _ = self.agent.playback_tail(0.2)
        self.assertLess(rms(quiet), 50, "on-hook earpiece should be silent")

        self.assertTrue(self.ctl.request({"cmd": "hook", "state": "off"})["ok"])
        self.agent.wait_played_seconds(0.6)
        x, rate = self.agent.playback_tail(0.4)
        self.assertGreater(tone_ratio(x, 350, rate), 0.2, "350 Hz of dial tone missing")
        self.assertGreater(tone_ratio(x, 440, rate), 0.2, "440 Hz of dial tone missing")
        self.assertLess(tone_ratio(x, 620, rate), 0.02)

        for k in "555":
            self.assertTrue(self.ctl.request({"cmd": "key", "key": k})["ok"])
        self.assertTrue(self.ctl.request({"cmd": "key", "key": "#"})["ok"])
        # Three 330 ms intercept tones, then reorder.
        self.agent.wait_played_seconds(2.0)
        x, rate = self.agent.playback_tail(0.5)
        self.assertGreater(tone_ratio(x, 480, rate), 0.15, "reorder 480 Hz missing")
        self.assertGreater(tone_ratio(x, 620, rate), 0.15, "reorder 620 Hz missing")
        self.assertLess(tone_ratio(x, 350, rate), 0.02, "dial tone should have stopped")

        status = self.ctl.request({"cmd": "status"})
        self.assertIn("no line", status["last_error"])
        self.assertIn("555", status["last_error"])

        self.assertTrue(self.ctl.request({"cmd": "hook", "state": "on"})["ok"])
        self.agent.wait_played_seconds(0.5)
        x, _ = self.agent.playback_tail(0.3)
        self.assertLess(rms(x), 50, "on-hook should stop every tone")

    def test_dial_twice_redials_from_a_fresh_dial_tone(self):
        for number in ("5551234", "5559876"):
            r = self.ctl.request({"cmd": "dial", "to": number})
            self.assertEqual(r["error"]["code"], "no_line")
            self.assertIn(number, self.ctl.request({"cmd": "status"})["last_error"])
        self.assertEqual(self.ctl.request({"cmd": "status"})["handset"]["hook"], "off")

    def test_commands_that_need_a_line_say_so(self):
        for cmd in ("answer", "decline", "hangup", "hold", "resume", "unlink"):
            r = self.ctl.request({"cmd": cmd})
            self.assertFalse(r["ok"], cmd)
            self.assertEqual(r["error"]["code"], "no_line", cmd)
            self.assertRegex(r["error"]["message"], "no line is (linked|configured)", cmd)
        r = self.ctl.request({"cmd": "dtmf", "digits": "1"})
        self.assertEqual(r["error"]["code"], "no_line")
        st = self.ctl.request({"cmd": "status"})
        self.assertEqual(st["line"]["state"], "unlinked")
        self.assertIn("no line is configured", st["line"]["reason"])
        self.assertEqual(st["lines"], [], "this device has no line at all")

    def test_bad_requests_keep_the_connection_usable(self):
        self.ctl.send_raw(b"{oops\n")
        self.assertEqual(self.ctl.line()["error"]["code"], "malformed")
        self.ctl.send_raw(b"x" * 6000 + b"\n")
        self.assertEqual(self.ctl.line()["error"]["code"], "line_too_long")
        self.assertEqual(self.ctl.request({"cmd": "nope"})["error"]["code"], "unknown_command")
        self.assertEqual(self.ctl.request({"cmd": "key", "key": "x"})["error"]["code"], "bad_request")
        self.assertTrue(self.ctl.request({"cmd": "status"})["ok"])

    def test_dialtonectl_speaks_the_socket(self):
        sock = os.path.join(self.agent.state_dir, "control.sock")
        out = subprocess.run([binary("dialtonectl"), "-s", sock, "status"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn('"ok":true', out.stdout)
        bad = subprocess.run([binary("dialtonectl"), "-s", sock, "hangup"], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("no_line", bad.stdout)


class ConfigRefusal(unittest.TestCase):
    def test_malformed_config_names_the_key(self):
        agent = Agent(extra={"yna": {"auth_url": 5}})
        proc = subprocess.run([binary("dialtoned"), "--config", agent.config_path],
                              capture_output=True, text=True, timeout=10)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("yna.auth_url", proc.stderr)

    def test_missing_config_file(self):
        proc = subprocess.run([binary("dialtoned"), "--config", "/nonexistent.json"],
                              capture_output=True, text=True, timeout=10)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("/nonexistent.json", proc.stderr)

    def test_unknown_board(self):
        agent = Agent(board="toaster")
        proc = subprocess.run([binary("dialtoned"), "--config", agent.config_path],
                              capture_output=True, text=True, timeout=10)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("toaster", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
