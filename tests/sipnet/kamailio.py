"""Kamailio 5.6 as the network's registrar and proxy (configuration in
kamailio_cfg.py), run in the foreground with its runtime files in its own
directory."""
from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import dataclass

from procs import LOOPBACK, Part, free_port, wait_until
import sipclient

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, "..", "sim"))
import kamailio_cfg  # noqa: E402
from pki import ensure_pki  # noqa: E402  (the simulator's test PKI: CA + server certificates)

KAMAILIO = "/usr/sbin/kamailio"
TRANSPORTS = ("udp", "tcp", "tls")


@dataclass
class User:
    """A subscriber. `media`: the profile rtpengine turns offers into when this user
    is called ("" as offered, "rtp", "sdes", "dtls"). `refused`: a REGISTER
    with credentials is answered 403."""
    password: str
    media: str = ""
    refused: bool = False


class Kamailio(Part):
    """Registrar + proxy on 127.0.0.1.

        with Kamailio(users={"alice": "pw-a", "dev": User("pw-d", media="sdes")},
                      transports=("udp", "tls"), rtpengine=rtp) as k:
            k.outbound_proxy("tls")      # "sip:127.0.0.1:PORT;transport=tls"
            k.ca_file                    # trust anchor for TLS clients
            k.contacts("alice")          # registered contacts (usrloc, via JSON-RPC)
    """

    name = "kamailio"

    def __init__(self, users: dict, domain: str = "sipnet.test", transports=("udp", "tcp"),
                 algorithm: str = "MD5",
                 min_expires: int | None = None, max_expires: int = 3600, default_expires: int = 600,
                 nonce_expire_s: int = 300, auth_invite: bool = True, rtpengine=None,
                 debug: int = 2, workdir: str | None = None):
        super().__init__(workdir)
        bad = set(transports) - set(TRANSPORTS)
        if bad or not transports:
            raise ValueError(f"transports must be among {TRANSPORTS}")
        self.users = {n: (u if isinstance(u, User) else User(u)) for n, u in users.items()}
        self.domain = domain
        self.algorithm = algorithm
        self.transports = tuple(transports)
        self.min_expires = min_expires
        self.max_expires = max_expires
        self.default_expires = default_expires
        self.nonce_expire_s = nonce_expire_s
        self.auth_invite = auth_invite
        self.rtpengine = rtpengine
        self.debug = debug
        self.port = free_port() if {"udp", "tcp"} & set(self.transports) else None
        self.tls_port = free_port(udp=False) if "tls" in self.transports else None
        self.rpc_port = free_port(tcp=False)
        self.ca_file = None
        self.cert_file = None
        self.cfg_path = os.path.join(self.dir, "kamailio.cfg")

    # -- addresses -------------------------------------------------------
    def port_for(self, transport: str) -> int:
        if transport not in self.transports:
            raise ValueError(f"Kamailio does not listen on {transport}")
        return self.tls_port if transport == "tls" else self.port

    def outbound_proxy(self, transport: str = "udp") -> str:
        return f"sip:{LOOPBACK}:{self.port_for(transport)};transport={transport}"

    def aor(self, user: str) -> str:
        return f"sip:{user}@{self.domain}"

    # -- running ---------------------------------------------------------
    def start(self):
        listen = []
        for t in self.transports:
            listen.append(f"{t}:{LOOPBACK}:{self.port_for(t)}")
        tls_cfg = None
        if "tls" in self.transports:
            pki = ensure_pki(os.path.join(self.dir, "pki"), host_names=[self.domain])
            self.ca_file = pki.ca_file
            self.cert_file, key = pki.server_certs[0]  # ECDSA P-256, chain leaf + CA
            tls_cfg = os.path.join(self.dir, "tls.cfg")
            with open(tls_cfg, "w") as f:
                f.write(kamailio_cfg.render_tls(self.cert_file, key, self.ca_file))
        ng = None
        if self.rtpengine is not None:
            ng = self.rtpengine.ng_address if hasattr(self.rtpengine, "ng_address") else str(self.rtpengine)
        cfg = kamailio_cfg.render(domain=self.domain, algorithm=self.algorithm, listen=listen, users=self.users,
                                  min_expires=self.min_expires, max_expires=self.max_expires,
                                  default_expires=self.default_expires,
                                  nonce_expire_s=self.nonce_expire_s, auth_invite=self.auth_invite,
                                  record_calls=bool(getattr(self.rtpengine, "record", False)),
                                  rtpengine_ng=ng, tls_cfg=tls_cfg, rpc_port=self.rpc_port,
                                  debug=self.debug)
        with open(self.cfg_path, "w") as f:
            f.write(cfg)
        run_dir = os.path.join(self.dir, "run")
        os.makedirs(run_dir, exist_ok=True)
        # -DD: no daemon, children stay ours; -E: log to stderr (our log file).
        self.spawn([KAMAILIO, "-DD", "-E", "-f", self.cfg_path, "-Y", run_dir,
                    "-P", os.path.join(run_dir, "kamailio.pid"), "-m", "64", "-M", "8",
                    "-w", self.dir])
        wait_until(self._ready, 15, "Kamailio to answer")
        return self

    def _ready(self):
        self.check_alive()
        try:
            self.rpc("core.version")
            return True
        except OSError:
            return False

    # -- inspection ------------------------------------------------------
    def rpc(self, method: str, *params, timeout: float = 2.0):
        """One JSON-RPC call over the jsonrpcs module's datagram socket."""
        req = json.dumps({"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1})
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(req.encode(), (LOOPBACK, self.rpc_port))
            data, _ = s.recvfrom(65535)
        reply = json.loads(data)
        if "error" in reply:
            raise RuntimeError(f"Kamailio RPC {method}: {reply['error']}")
        return reply.get("result")

    def contacts(self, user: str) -> list[dict]:
        """The user's registered contacts (empty when not registered)."""
        try:
            result = self.rpc("ul.lookup", "location", user)
        except RuntimeError:
            return []
        return [c.get("Contact", c) for c in (result or {}).get("Contacts", [])]

    def wait_registered(self, user: str, timeout: float = 10.0) -> list[dict]:
        return wait_until(lambda: self.check_alive() or self.contacts(user), timeout,
                          f"{user} to be registered at Kamailio")

    def wait_unregistered(self, user: str, timeout: float = 10.0):
        wait_until(lambda: self.check_alive() or not self.contacts(user), timeout,
                   f"{user} to be unregistered at Kamailio")

    def ping(self, transport: str = "udp") -> int:
        """Status code of an OPTIONS to Kamailio itself."""
        return sipclient.options(LOOPBACK, self.port_for(transport), transport,
                                 ca_file=self.ca_file).status
