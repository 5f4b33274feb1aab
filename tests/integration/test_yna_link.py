#!/usr/bin/python3
"""Linking through the device's own web page, end to end against the YNA
simulator: page, Link (CSRF + same origin), the network's sign-in redirect,
the OAuth callback, tokens stored 0600, registration 202 then 200, the
channel; a refused callback; cross-site POSTs; unlink erases the tokens; a
restart loads the stored tokens. The simulator's violations stay empty."""
import html
import os
import re
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from yna_it import YnaSetup, http  # noqa: E402


class LinkTest(unittest.TestCase):
    def setUp(self):
        self.y = YnaSetup(sim_args=["--status-202", "2", "--retry-after", "1"])
        self.addCleanup(self.y.close)
        self.y.start_agent()

    def test_link_register_unlink_restart(self):
        y = self.y
        self.assertEqual(y.line()["state"], "unlinked")
        self.assertFalse(os.path.exists(y.token_file))

        # Cross-site requests change nothing.
        st, _, _ = y.post("/link", {"csrf": y.csrf()}, origin=False)
        self.assertEqual(st, 403)
        st, _, _ = http("POST", y.origin + "/link", data={"csrf": y.csrf()},
                        headers={"Origin": "http://evil.example"})
        self.assertEqual(st, 403)
        st, _, _ = y.post("/link", {"csrf": "0" * 32})
        self.assertEqual(st, 403)
        self.assertEqual(y.line()["state"], "unlinked")

        # A callback whose state does not match is refused and changes nothing.
        st, _, _ = y.post("/link")
        self.assertEqual(st, 303)
        self.assertEqual(y.line()["state"], "linking")
        st, _, _ = http("GET", y.redirect_uri + "?code=forged&state=" + "0" * 32)
        self.assertEqual(st, 400)
        self.assertFalse(os.path.exists(y.token_file))

        y.link()
        line = y.wait_line("registered")
        self.assertEqual(line["msisdn"], y.info["msisdn"])
        # Registration saw two 202s first (Retry-After honoured), then 200.
        counters = y.state()["counters"]
        self.assertEqual(counters["status_202"], 2)
        self.assertGreaterEqual(counters["registrations"], 1)
        self.assertEqual(counters["code_grants"], 1)

        mode = stat.S_IMODE(os.stat(y.token_file).st_mode)
        self.assertEqual(mode, 0o600)
        tok = y.stored_tokens()
        self.assertTrue(tok["access_token"].startswith("at-"))
        self.assertTrue(tok["refresh_token"].startswith("rt-"))
        self.assertIn("registered", y.page())

        # No token in the log: only transaction ids.
        self.assertNotIn(tok["access_token"], y.agent.log_text())
        self.assertNotIn(tok["refresh_token"], y.agent.log_text())

        # Emergency address: a form the browser POSTs to the network's page
        # (the reference's method), with our token.
        st, _, body = y.post("/e911")
        self.assertEqual(st, 200)
        m = re.search(r'<form id="handoff" method="post" action="([^"]+)"', body)
        self.assertTrue(m, body)
        action = html.unescape(m.group(1))
        self.assertIn("/account-mgmt/changeEmergencyAddress?success-redirect-url=", action)
        st, h, _ = http("POST", action, data=b"", cafile=y.info["ca_file"])
        self.assertEqual(st, 200)

        # A restart finds the stored tokens and registers without linking.
        y.restart_agent()
        y.wait_line("registered")
        self.assertEqual(y.state()["counters"]["code_grants"], 1)

        # Unlink: channel closed by the device, tokens erased.
        st, _, _ = y.post("/unlink")
        self.assertEqual(st, 303)
        y.wait_line("unlinked")
        self.assertFalse(os.path.exists(y.token_file))
        self.assertEqual(y.state()["counters"]["unlinks"], 1)
        y.restart_agent()
        self.assertEqual(y.line()["state"], "unlinked")
        y.assert_no_violations()

    def test_unlink_erases_tokens_when_the_server_errs(self):
        y = self.y
        y.link()
        y.wait_line("registered")
        y.fault("http_status_once", path="/account/unlink", status=500)
        st, _, _ = y.post("/unlink")
        self.assertEqual(st, 303)
        y.wait_line("unlinked")
        self.assertFalse(os.path.exists(y.token_file))
        y.assert_no_violations()


if __name__ == "__main__":
    unittest.main(verbosity=2)
