#!/usr/bin/python3
"""Independent validator for Dialtone's PoP tokens (spec/pop-token.md).

Written against the spec with PyJWT and cryptography, sharing no code with the
device. Input: a JSON file {token, public_key (PEM path), method, target,
headers: [[name, value], ...], body, now}. Exit 0 when valid, else 1 with the
reason on stderr.
"""
import base64
import hashlib
import json
import sys
import urllib.parse
import uuid

import jwt
from cryptography.hazmat.primitives import serialization


def fail(msg):
    print("pop_validate: " + msg, file=sys.stderr)
    sys.exit(1)


def b64u_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def main():
    req = json.load(open(sys.argv[1], encoding="utf-8"))
    token = req["token"]
    with open(req["public_key"], "rb") as f:
        pub = serialization.load_pem_public_key(f.read())

    if "=" in token or token.count(".") != 2:
        fail("not a compact JWS without padding")
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "RS256":
        fail("alg is not RS256")
    try:
        claims = jwt.decode(token, pub, algorithms=["RS256"],
                            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
    except jwt.InvalidTokenError as e:
        fail("signature: %s" % e)

    raw = json.loads(b64u_decode(token.split(".")[1]))
    if list(raw.keys()) != ["edts", "v", "exp", "ehts", "iat", "jti"]:
        fail("claims/order: %s" % list(raw.keys()))
    for k, t in (("edts", str), ("v", str), ("ehts", str), ("jti", str), ("exp", int), ("iat", int)):
        if type(claims[k]) is not t:
            fail("claim %s has type %s" % (k, type(claims[k]).__name__))
    if claims["v"] != "1":
        fail("v != '1'")
    now, iat, exp = req["now"], claims["iat"], claims["exp"]
    if now > exp + 10 or iat > now + 10:
        fail("outside its validity window")
    if not 0 < exp - iat <= 120:
        fail("exp - iat = %d" % (exp - iat))
    u = uuid.UUID(claims["jti"])
    if u.version != 4 or str(u) != claims["jti"]:
        fail("jti is not a lower-case UUIDv4")

    names = claims["ehts"].split(";")
    if not claims["ehts"].strip() or len(set(names)) != len(names):
        fail("ehts blank or with duplicates")
    headers = req["headers"]
    body = req["body"].encode("utf-8")
    required = ["uri", "http-method"]
    if body:
        required.append("body")
    if any(n.lower() == "authorization" for n, _ in headers):
        required.append("Authorization")
    for r in required:
        if r not in names:
            fail("ehts lacks %s" % r)

    target = req["target"]
    path, sep, query = target.partition("?")
    uri = path.encode("utf-8") + (b"?" + urllib.parse.unquote_to_bytes(query) if sep else b"")
    parts = []
    for n in names:
        if n == "uri":
            parts.append(uri)
        elif n == "http-method":
            parts.append(req["method"].encode("utf-8"))
        elif n == "body":
            parts.append(body)
        else:
            vals = [v for hn, v in headers if hn.lower() == n.lower()]
            if len(vals) != 1 or not vals[0]:
                fail("header %s missing, repeated or empty" % n)
            parts.append(vals[0].encode("utf-8"))
        if not parts[-1]:
            fail("empty value for %s" % n)
    edts = base64.urlsafe_b64encode(hashlib.sha256(b"".join(parts)).digest()).rstrip(b"=").decode()
    if edts != claims["edts"]:
        fail("edts mismatch: computed %s, token %s" % (edts, claims["edts"]))
    print("valid")


if __name__ == "__main__":
    main()
