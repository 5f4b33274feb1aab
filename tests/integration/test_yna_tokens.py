#!/usr/bin/python3
"""Token storage under kill -9 (yna-wire.md 3.5): the agent is killed at
arbitrary moments while it refreshes and stores token pairs; after every
kill the stored file is a complete pair (old or new, never a mix, never
empty), mode 0600, and the agent comes back registered with it."""
import os
import random
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from yna_it import YnaSetup  # noqa: E402


class TokenKillTest(unittest.TestCase):
    def test_kill_during_saves_leaves_valid_tokens(self):
        # Access tokens living 2 s: the agent refreshes (and stores) every 1.6 s.
        y = YnaSetup(sim_args=["--token-lifetime", "2"])
        self.addCleanup(y.close)
        y.start_agent()
        y.link()
        y.wait_line("registered")
        rnd = random.Random(7)
        stores = 0
        for i in range(6):
            time.sleep(1.5 + rnd.random() * 1.0)
            y.agent.proc.kill()
            y.agent.proc.wait()
            tok = y.stored_tokens()   # raises on a torn or empty file
            self.assertTrue(tok["access_token"].startswith("at-"), tok)
            self.assertTrue(tok["refresh_token"].startswith("rt-"), tok)
            self.assertEqual(stat.S_IMODE(os.stat(y.token_file).st_mode), 0o600)
            y.start_agent()
            # The stored pair is the newest one the network issued, so the
            # line registers with it (a refresh token on disk is never stale).
            y.wait_line("registered")
            stores = y.state()["counters"]["refresh_grants"]
        self.assertGreater(stores, 3, "refreshes happened while being killed")
        y.assert_no_violations()


if __name__ == "__main__":
    unittest.main(verbosity=2)
