"""Shared simulator state: configuration, tokens, faults, and the records the
admin API exposes (event log, violations, lint).

Everything runs on one asyncio loop, so no locking is needed.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from dataclasses import dataclass, field

EVENT_LOG_MAX = 20000


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Config:
    """Everything POST /config may change (see README)."""
    token_lifetime_s: int = 3600      # expires_in of access tokens
    status_202_count: int = 0         # /account/status answers 202 this many more times
    retry_after_s: int = 1            # Retry-After sent with those 202s
    link_deny: bool = False           # linkAccount redirects with error=access_denied
    redelivery_s: float = 3.0         # notification redelivery interval (yna-wire 5)
    redelivery_max: int = 3           # redeliveries after the first send
    default_behaviour: str = "ring_answer"   # for numbers not in the table
    numbers: dict = field(default_factory=dict)  # E.164 -> behaviour name (overrides)
    tone_hz: float = 1000.0           # what the far end plays once connected
    early_tone_hz: float = 425.0      # early media tone
    ring_delay_s: float = 2.0         # ringing time for ring_answer and friends
    loss_pct: float = 0.0             # media datagrams the far ends lose, each way

    UPDATABLE = ("token_lifetime_s", "status_202_count", "retry_after_s", "link_deny",
                 "redelivery_s", "redelivery_max", "default_behaviour", "numbers", "tone_hz",
                 "early_tone_hz", "ring_delay_s", "loss_pct")


@dataclass
class Token:
    value: str
    kind: str            # "access" | "refresh"
    link_id: str
    issued: float
    expires: float | None
    retired: str | None = None   # why it no longer works: refreshed|unlinked|fault


class SimState:
    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str, msisdn: str,
                 config: Config):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.msisdn = msisdn
        self.config = config
        self.base_url = ""            # https://127.0.0.1:PORT, set once listening
        self.channel_base_url = ""    # wss://HOST:PORT of handed-out channel URLs (--host-name)
        self.started = time.time()
        self.events: deque = deque(maxlen=EVENT_LOG_MAX)
        self.event_seq = 0
        self.violations: list[dict] = []
        self.lint: list[dict] = []
        self.tokens: dict[str, Token] = {}
        self.codes: dict[str, dict] = {}      # auth code -> {link_id, redirect_uri, used}
        self.links: dict[str, dict] = {}      # link_id -> {created, unlinked}
        self.counters = {"access_tokens_issued": 0, "refresh_tokens_issued": 0,
                         "refresh_grants": 0, "code_grants": 0, "status_calls": 0,
                         "status_202": 0, "registrations": 0, "unlinks": 0}
        self.faults: dict[str, object] = {}   # armed one-shot/persistent faults
        self.http_faults: list[dict] = []     # one-shot HTTP status faults
        self.channels = None   # set by yna_sim: ChannelHub
        self.calls = None      # set by yna_sim: CallManager
        self.verbose = False
        self.human = False     # --demo: human-readable log lines on stderr

    # --- records -----------------------------------------------------------
    def event(self, kind: str, **data) -> dict:
        self.event_seq += 1
        e = {"seq": self.event_seq, "t_ms": now_ms(), "kind": kind, **data}
        self.events.append(e)
        if self.verbose:
            import json, sys
            print("[sim] " + json.dumps(e)[:600], file=sys.stderr, flush=True)
        return e

    def say(self, text: str) -> None:
        """Human-oriented progress line (demo mode, or --verbose)."""
        if self.human or self.verbose:
            import sys
            print(f"[yna-sim] {text}", file=sys.stderr, flush=True)

    def violation(self, where: str, message: str, **extra) -> None:
        v = {"t_ms": now_ms(), "where": where, "message": message, **extra}
        self.violations.append(v)
        self.event("violation", **v)
        self.say(f"VIOLATION at {where}: {message}")

    def add_lint(self, where: str, message: str, **extra) -> None:
        v = {"t_ms": now_ms(), "where": where, "message": message, **extra}
        # The same finding repeats on every request; keep one of each.
        if not any(x["where"] == where and x["message"] == message for x in self.lint):
            self.lint.append(v)
            self.event("lint", **v)

    # --- tokens ------------------------------------------------------------
    def issue_tokens(self, link_id: str) -> dict:
        now = time.time()
        access = "at-" + secrets.token_urlsafe(24)
        refresh = "rt-" + secrets.token_urlsafe(24)
        life = int(self.config.token_lifetime_s)
        self.tokens[access] = Token(access, "access", link_id, now, now + life)
        self.tokens[refresh] = Token(refresh, "refresh", link_id, now, None)
        self.counters["access_tokens_issued"] += 1
        self.counters["refresh_tokens_issued"] += 1
        return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
                "expires_in": life}

    def expire_access_tokens(self) -> int:
        n = 0
        for t in self.tokens.values():
            if t.kind == "access" and t.retired is None:
                t.retired = "fault"
                n += 1
        return n

    def unlink(self, link_id: str) -> None:
        for t in self.tokens.values():
            if t.link_id == link_id and t.retired is None:
                t.retired = "unlinked"
        if link_id in self.links:
            self.links[link_id]["unlinked"] = now_ms()

    def token_summary(self) -> dict:
        now = time.time()
        out = {"access_active": 0, "refresh_active": 0, "retired": {}}
        for t in self.tokens.values():
            if t.retired:
                out["retired"][t.retired] = out["retired"].get(t.retired, 0) + 1
            elif t.kind == "access" and t.expires and t.expires > now:
                out["access_active"] += 1
            elif t.kind == "refresh":
                out["refresh_active"] += 1
        return out
