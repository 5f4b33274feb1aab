"""PoP token (X-Authorization) validation and minting, per pop-token.md.

Validation implements section 6 (what the public Java validator does) plus every
[project] rule of our test server. Errors are returned as a list of strings so
the caller can report all of them at once; an empty list means the token is
accepted. "Lint" findings are deviations from what the *device* promises
(section 3/5: exactly six claims, UUIDv4 jti, {"alg","typ"} header) that a real
validator would still accept: they never cause a rejection.

Minting (used by the self-test client) follows section 4/5 independently of
the device code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
import urllib.parse
import uuid

import jwt
from jwt.exceptions import InvalidSignatureError, InvalidTokenError

LEEWAY_S = 10
MAX_LIFETIME_S = 120
SIX_CLAIMS = {"iat", "exp", "ehts", "edts", "jti", "v"}
UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.I)
B64U_RE = re.compile(r"^[A-Za-z0-9_-]*$")


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def edts_of(values: list[bytes]) -> str:
    return b64u(hashlib.sha256(b"".join(values)).digest())


def pop_uri(raw_path_and_query: str) -> str:
    """The `uri` value the device signs, derived from the request target as sent:
    the path exactly as sent; in the query only %XX escapes are decoded (UTF-8),
    '+' stays as it is ([project] rule of section 4)."""
    path, sep, query = raw_path_and_query.partition("?")
    if not sep:
        return path
    return path + "?" + urllib.parse.unquote(query, encoding="utf-8", errors="strict")


class JtiCache:
    """Remembers jti values for their validity window (exp + leeway)."""

    def __init__(self):
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def check_and_add(self, jti: str, exp: int, now: float) -> bool:
        with self._lock:
            for k in [k for k, e in self._seen.items() if e < now]:
                del self._seen[k]
            if jti in self._seen:
                return False
            self._seen[jti] = exp + LEEWAY_S
            return True


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def validate(token: str | None, *, public_key, method: str, raw_target: str, headers,
             body: bytes, jti_cache: JtiCache, now: float | None = None):
    """Validate one PoP token against the request it came with.

    headers: a case-insensitive multi-dict (aiohttp's CIMultiDictProxy).
    Returns (errors, lint, claims).
    """
    errors: list[str] = []
    lint: list[str] = []
    now = time.time() if now is None else now
    if token is None or token == "":
        return ["X-Authorization (PoP token) missing"], lint, None
    parts = token.split(".")
    if len(parts) != 3 or not all(B64U_RE.match(p) for p in parts):
        return ["PoP token is not a compact JWS of three unpadded base64url parts"], lint, None
    try:
        header = json.loads(b64u_decode(parts[0]))
    except ValueError:
        return ["PoP token header is not JSON"], lint, None
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        return [f"PoP token alg must be RS256, got {header.get('alg') if isinstance(header, dict) else header!r}"], lint, None
    if header.get("typ") != "JWT" or set(header) != {"alg", "typ"}:
        lint.append(f"PoP header should be exactly {{alg:RS256, typ:JWT}}, got {header}")
    # Signature: PyJWT over the JWS (RS256 = RSASSA-PKCS1-v1_5 with SHA-256).
    try:
        payload_bytes = jwt.api_jws.PyJWS().decode_complete(token, key=public_key,
                                                            algorithms=["RS256"])["payload"]
    except InvalidSignatureError:
        return ["PoP signature does not verify with the device public key"], lint, None
    except InvalidTokenError as e:
        return [f"PoP token rejected by JWS decoder: {e}"], lint, None
    try:
        claims = json.loads(payload_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ["PoP payload is not UTF-8 JSON"], lint, None
    if not isinstance(claims, dict):
        return ["PoP payload is not a JSON object"], lint, None

    # [project] all six claims, right types.
    for name, ok in (("iat", _is_int), ("exp", _is_int), ("ehts", lambda v: isinstance(v, str)),
                     ("edts", lambda v: isinstance(v, str)), ("jti", lambda v: isinstance(v, str)),
                     ("v", lambda v: isinstance(v, str))):
        if name not in claims:
            errors.append(f"PoP claim {name} missing")
        elif not ok(claims[name]):
            errors.append(f"PoP claim {name} has the wrong JSON type: {claims[name]!r}")
    if errors:
        return errors, lint, claims
    extra = set(claims) - SIX_CLAIMS
    if extra:
        lint.append(f"PoP token has claims beyond the six: {sorted(extra)}")
    if list(claims) != ["edts", "v", "exp", "ehts", "iat", "jti"]:
        lint.append(f"PoP claim order {list(claims)} differs from edts,v,exp,ehts,iat,jti")
    if not UUID4_RE.match(claims["jti"]):
        lint.append(f"PoP jti {claims['jti']!r} is not a UUIDv4")
    if claims["v"] != "1":
        errors.append(f'PoP claim v must be "1", got {claims["v"]!r}')
    iat, exp = claims["iat"], claims["exp"]
    if not (0 < exp - iat <= MAX_LIFETIME_S):
        errors.append(f"PoP exp - iat = {exp - iat}, must be in (0, {MAX_LIFETIME_S}]")
    # Java validator time checks, 10 s leeway.
    if now > exp + LEEWAY_S:
        errors.append(f"PoP token expired (exp {exp}, now {int(now)})")
    if iat > now + LEEWAY_S:
        errors.append(f"PoP iat {iat} is in the future (now {int(now)})")
    if "nbf" in claims and _is_int(claims["nbf"]) and claims["nbf"] > now + LEEWAY_S:
        errors.append(f"PoP nbf {claims['nbf']} is in the future")

    ehts, edts = claims["ehts"], claims["edts"]
    if ehts.strip() == "":
        errors.append("PoP ehts is blank")
        return errors, lint, claims
    if edts == "":
        errors.append("PoP edts is empty")
    names = ehts.split(";")
    if len(names) != len(set(names)):
        errors.append(f"PoP ehts names are not unique: {ehts}")
    if len(names) > 100:
        errors.append("PoP ehts has more than 100 names")
    for required in ("uri", "http-method"):
        if required not in names:
            errors.append(f"PoP ehts lacks {required}: {ehts}")
    if body and "body" not in names:
        errors.append(f"PoP ehts lacks body although the request has one: {ehts}")
    if "Authorization" in headers and "Authorization" not in names:
        errors.append(f"PoP ehts lacks Authorization although the request carries it: {ehts}")

    values: list[bytes] = []
    for name in names:
        if name.strip() == "":
            errors.append(f"PoP ehts has an empty name: {ehts!r}")
            continue
        if name == "uri":
            try:
                values.append(pop_uri(raw_target).encode("utf-8"))
            except UnicodeDecodeError:
                errors.append("request query has %XX escapes that are not UTF-8")
        elif name == "http-method":
            values.append(method.encode("ascii"))
        elif name == "body":
            if not body:
                errors.append("PoP ehts names body but the request has none")
            values.append(body)
        else:
            vals = headers.getall(name, [])  # case-insensitive lookup by the exact ehts name
            if len(vals) != 1 or vals[0] == "":
                errors.append(f"PoP ehts names header {name!r}, sent {len(vals)} time(s)"
                              + (" with an empty value" if vals and vals[0] == "" else ""))
                continue
            values.append(vals[0].encode("utf-8"))
    if not errors:
        expect = edts_of(values)
        if expect != edts:  # [project] exact, case-sensitive comparison
            errors.append(f"PoP edts mismatch: token {edts}, request gives {expect} over {ehts}")
    if not errors and not jti_cache.check_and_add(claims["jti"], exp, now):
        errors.append(f"PoP jti {claims['jti']} replayed")
    return errors, lint, claims


def mint(private_key, *, method: str, uri: str, authorization: str | None = None,
         content_type: str | None = None, body: bytes = b"", now: float | None = None,
         lifetime: int = 120) -> str:
    """Build a PoP token the way pop-token.md section 5 says the device does.
    `uri` is the already-decoded signed value (path?query)."""
    items = [("uri", uri.encode("utf-8")), ("http-method", method.encode("ascii"))]
    if authorization:
        items.append(("Authorization", authorization.encode("utf-8")))
    if body:
        if content_type:
            items.append(("Content-Type", content_type.encode("utf-8")))
        items.append(("body", body))
    iat = int(time.time() if now is None else now)
    claims = {"edts": edts_of([v for _, v in items]), "v": "1", "exp": iat + lifetime,
              "ehts": ";".join(n for n, _ in items), "iat": iat, "jti": str(uuid.uuid4())}
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"typ": "JWT"})
