"""A small SIP client for the network's own checks: OPTIONS pings and
REGISTER with RFC 7616 digest (MD5 and SHA-256, qop=auth) over UDP, TCP or
TLS (certificate and host name checked against a CA file). Also the digest
arithmetic the tests use to verify a device's Authorization header."""
from __future__ import annotations

import hashlib
import os
import re
import socket
import ssl
import time
from dataclasses import dataclass, field

HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


def digest_response(algorithm: str, username: str, realm: str, password: str, method: str, uri: str,
                    nonce: str, nc: str | None = None, cnonce: str | None = None,
                    qop: str | None = None) -> str:
    """RFC 7616 section 3.4.1 response (qop=auth or none)."""
    h = HASHES[algorithm.upper().removesuffix("-SESS")]

    def hx(s: str) -> str:
        return h(s.encode()).hexdigest()
    ha1 = hx(f"{username}:{realm}:{password}")
    if algorithm.upper().endswith("-SESS"):
        ha1 = hx(f"{ha1}:{nonce}:{cnonce}")
    ha2 = hx(f"{method}:{uri}")
    if qop:
        return hx(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return hx(f"{ha1}:{nonce}:{ha2}")


def parse_auth_params(value: str) -> dict:
    """Parameters of a Digest challenge or credentials header value."""
    value = re.sub(r"^\s*Digest\s+", "", value, flags=re.I)
    params = {}
    for m in re.finditer(r'([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]+)', value):
        params[m.group(1).lower()] = m.group(3) if m.group(3) is not None else m.group(2)
    return params


def check_credentials(header_value: str, password: str, method: str) -> bool:
    """Whether an Authorization/Proxy-Authorization value is right for `password`."""
    p = parse_auth_params(header_value)
    expected = digest_response(p.get("algorithm", "MD5"), p["username"], p["realm"], password, method,
                               p["uri"], p["nonce"], p.get("nc"), p.get("cnonce"), p.get("qop"))
    return expected == p.get("response", "").lower()


@dataclass
class Response:
    status: int
    reason: str
    headers: list = field(default_factory=list)  # [(name, value)]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]


COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length"}


def parse_response(data: bytes) -> Response:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    m = re.match(r"SIP/2\.0 (\d{3}) ?(.*)", lines[0])
    if not m:
        raise ValueError(f"not a SIP response: {lines[0]!r}")
    headers = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
            continue
        n, _, v = line.partition(":")
        n = n.strip()
        headers.append((COMPACT.get(n.lower(), n), v.strip()))
    return Response(int(m.group(1)), m.group(2), headers, body)


class SipClient:
    """One UAC socket to one server. Not a full stack: final responses only
    (provisional ones are skipped); UDP requests are retransmitted on T1
    doubling."""

    def __init__(self, host: str, port: int, transport: str = "udp", ca_file: str | None = None,
                 server_name: str | None = None, timeout: float = 8.0):
        self.host, self.port, self.transport = host, port, transport.lower()
        self.timeout = timeout
        self._buf = b""
        if self.transport == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1", 0))
            self.sock.connect((host, port))
        else:
            raw = socket.create_connection((host, port), timeout=timeout)
            if self.transport == "tls":
                ctx = ssl.create_default_context(cafile=ca_file)
                ctx.minimum_version = ssl.TLSVersion.TLSv1_2
                raw = ctx.wrap_socket(raw, server_hostname=server_name or host)
            self.sock = raw
        self.local = self.sock.getsockname()
        self.call_id = os.urandom(8).hex() + "@sipnet"
        self.tag = os.urandom(4).hex()
        self.cseq = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _send(self, data: bytes):
        self.sock.sendall(data) if self.transport != "udp" else self.sock.send(data)

    def _recv(self, deadline: float) -> bytes | None:
        while True:
            if self.transport == "udp":
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    return self.sock.recv(65535)
                except socket.timeout:
                    return None
            m = re.search(rb"\r\n\r\n", self._buf)
            if m:
                head = self._buf[:m.end()]
                cl = re.search(rb"\r\n(?:Content-Length|l)\s*:\s*(\d+)", head, re.I)
                n = m.end() + (int(cl.group(1)) if cl else 0)
                if len(self._buf) >= n:
                    msg, self._buf = self._buf[:n], self._buf[n:]
                    return msg
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65535)
            except socket.timeout:
                return None
            if not chunk:
                raise ConnectionError("server closed the connection")
            self._buf += chunk

    def request(self, method: str, uri: str, to: str, from_: str, extra: list[str] = (),
                body: bytes = b"") -> Response:
        self.cseq += 1
        branch = "z9hG4bK" + os.urandom(6).hex()
        via_proto = {"udp": "UDP", "tcp": "TCP", "tls": "TLS"}[self.transport]
        lines = [f"{method} {uri} SIP/2.0",
                 f"Via: SIP/2.0/{via_proto} {self.local[0]}:{self.local[1]};branch={branch};rport",
                 "Max-Forwards: 70",
                 f"From: <{from_}>;tag={self.tag}",
                 f"To: <{to}>",
                 f"Call-ID: {self.call_id}",
                 f"CSeq: {self.cseq} {method}",
                 "User-Agent: sipnet-client",
                 *extra,
                 f"Content-Length: {len(body)}", "", ""]
        data = "\r\n".join(lines).encode() + body
        deadline = time.monotonic() + self.timeout
        t1 = 0.5
        next_send = 0.0
        while True:
            now = time.monotonic()
            if now >= deadline:
                raise TimeoutError(f"no final response to {method} {uri}")
            if now >= next_send and (self.transport == "udp" or next_send == 0.0):
                self._send(data)
                next_send = now + t1
                t1 = min(t1 * 2, 4.0)
            msg = self._recv(min(deadline, next_send) if self.transport == "udp" else deadline)
            if msg is None:
                continue
            r = parse_response(msg)
            if f"branch={branch}" not in (r.header("via") or ""):
                continue  # a late answer to an earlier request
            if r.status >= 200:
                return r

    def register(self, user: str, password: str, domain: str, expires: int = 600,
                 auth_user: str | None = None) -> list[Response]:
        """REGISTER, answering challenges (at most two); every final response in order."""
        aor = f"sip:{user}@{domain}"
        proto = "" if self.transport == "udp" else f";transport={self.transport}"
        contact = f"Contact: <sip:{user}@{self.local[0]}:{self.local[1]}{proto}>;expires={expires}"
        responses = []
        auth = []
        nc, last_nonce = 0, None
        for _ in range(3):
            r = self.request("REGISTER", f"sip:{domain}", aor, aor,
                             [contact, f"Expires: {expires}", *auth])
            responses.append(r)
            if r.status not in (401, 407):
                break
            hdr = "WWW-Authenticate" if r.status == 401 else "Proxy-Authenticate"
            ch = parse_auth_params(r.header(hdr) or "")
            alg = ch.get("algorithm", "MD5")
            nc = nc + 1 if ch["nonce"] == last_nonce else 1  # nc counts uses of one nonce
            last_nonce = ch["nonce"]
            ncs, cnonce = f"{nc:08x}", os.urandom(8).hex()
            qop = "auth" if "auth" in ch.get("qop", "").split(",") else None
            resp = digest_response(alg, auth_user or user, ch["realm"], password, "REGISTER",
                                   f"sip:{domain}", ch["nonce"], ncs, cnonce, qop)
            value = (f'Digest username="{auth_user or user}", realm="{ch["realm"]}", '
                     f'nonce="{ch["nonce"]}", uri="sip:{domain}", response="{resp}", algorithm={alg}')
            if qop:
                value += f', qop={qop}, nc={ncs}, cnonce="{cnonce}"'
            auth = [("Authorization: " if r.status == 401 else "Proxy-Authorization: ") + value]
        return responses


def options(host: str, port: int, transport: str = "udp", ca_file: str | None = None,
            timeout: float = 2.0) -> Response:
    with SipClient(host, port, transport, ca_file=ca_file, timeout=timeout) as c:
        uri = f"sip:{host}:{port}" + ("" if transport == "udp" else f";transport={transport}")
        return c.request("OPTIONS", uri, uri, "sip:ping@sipnet.invalid")
