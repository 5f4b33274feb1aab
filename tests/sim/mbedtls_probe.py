"""TLS handshake with Debian's mbedTLS 2.28 (the device's TLS library), through
ctypes, so the self-test checks the simulator's certificates and suites the way
the device sees them: CA verification, host-name check, TLS 1.2, one forced
cipher suite. Contexts are opaque here, so each gets an oversized zeroed buffer
(their *_init functions set them up).

Like the device, the probe gives mbedTLS only a host name to match: mbedTLS
2.28 knows dNSName SANs alone, and the device checks an IP address against
the iPAddress SANs itself (protocol/tls/ip_san.cpp). For an address the probe
checks chain and suite; the caller checks the certificate's iPAddress entry."""

from __future__ import annotations

import ctypes
import ctypes.util
import ipaddress

CTX_BYTES = 1 << 16


def _lib(name: str):
    path = ctypes.util.find_library(name)
    if not path:
        raise OSError(f"lib{name} not found")
    return ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)


def available() -> bool:
    try:
        _lib("mbedcrypto"), _lib("mbedx509"), _lib("mbedtls")
        return True
    except OSError:
        return False


def handshake(port: int, ca_file: str, suite: str, host: str = "127.0.0.1") -> tuple[int, str]:
    """Returns (0, "TLSv1.2 <suite>") on success or (mbedTLS error code, message)."""
    crypto, x509, tls = _lib("mbedcrypto"), _lib("mbedx509"), _lib("mbedtls")
    buf = {n: ctypes.create_string_buffer(CTX_BYTES)
           for n in ("net", "ssl", "conf", "ca", "ent", "drbg")}
    p = {n: ctypes.cast(b, ctypes.c_void_p) for n, b in buf.items()}
    tls.mbedtls_net_init(p["net"])
    tls.mbedtls_ssl_init(p["ssl"])
    tls.mbedtls_ssl_config_init(p["conf"])
    x509.mbedtls_x509_crt_init(p["ca"])
    crypto.mbedtls_entropy_init(p["ent"])
    crypto.mbedtls_ctr_drbg_init(p["drbg"])
    try:
        crypto.mbedtls_ctr_drbg_seed.argtypes = [ctypes.c_void_p] * 4 + [ctypes.c_size_t]
        entropy_func = ctypes.cast(crypto.mbedtls_entropy_func, ctypes.c_void_p)
        if crypto.mbedtls_ctr_drbg_seed(p["drbg"], entropy_func, p["ent"], None, 0):
            return -1, "ctr_drbg_seed failed"
        if x509.mbedtls_x509_crt_parse_file(p["ca"], ca_file.encode()):
            return -1, "CA file did not parse"
        tls.mbedtls_ssl_config_defaults(p["conf"], 0, 0, 0)  # client, stream, default preset
        tls.mbedtls_ssl_conf_authmode(p["conf"], 2)          # MBEDTLS_SSL_VERIFY_REQUIRED
        tls.mbedtls_ssl_conf_ca_chain(p["conf"], p["ca"], None)
        tls.mbedtls_ssl_conf_rng(p["conf"], ctypes.cast(crypto.mbedtls_ctr_drbg_random,
                                                        ctypes.c_void_p), p["drbg"])
        sid = tls.mbedtls_ssl_get_ciphersuite_id(suite.encode())
        if not sid:
            return -1, f"mbedTLS does not know {suite}"
        suites = (ctypes.c_int * 2)(sid, 0)   # must outlive the handshake
        tls.mbedtls_ssl_conf_ciphersuites(p["conf"], suites)
        if tls.mbedtls_ssl_setup(p["ssl"], p["conf"]):
            return -1, "ssl_setup failed"
        try:
            ipaddress.ip_address(host)
            name = None  # as the device: no CN/dNSName match for an address
        except ValueError:
            name = host.encode()
        tls.mbedtls_ssl_set_hostname(p["ssl"], name)
        if tls.mbedtls_net_connect(p["net"], b"127.0.0.1", str(port).encode(), 0):
            return -1, "connect failed"
        tls.mbedtls_ssl_set_bio(p["ssl"], p["net"], ctypes.cast(tls.mbedtls_net_send,
                                                                ctypes.c_void_p),
                                ctypes.cast(tls.mbedtls_net_recv, ctypes.c_void_p), None)
        while True:
            r = tls.mbedtls_ssl_handshake(p["ssl"])
            if r == 0:
                break
            if r not in (-0x6900, -0x6880):   # WANT_READ, WANT_WRITE
                flags = tls.mbedtls_ssl_get_verify_result(p["ssl"])
                return r, f"handshake failed -0x{-r:04x}, verify flags 0x{flags & 0xffffffff:x}"
        tls.mbedtls_ssl_get_version.restype = ctypes.c_char_p
        tls.mbedtls_ssl_get_ciphersuite.restype = ctypes.c_char_p
        out = (tls.mbedtls_ssl_get_version(p["ssl"]).decode() + " " +
               tls.mbedtls_ssl_get_ciphersuite(p["ssl"]).decode())
        tls.mbedtls_ssl_close_notify(p["ssl"])
        return 0, out
    finally:
        tls.mbedtls_net_free(p["net"])
        tls.mbedtls_ssl_free(p["ssl"])
        tls.mbedtls_ssl_config_free(p["conf"])
        x509.mbedtls_x509_crt_free(p["ca"])
        crypto.mbedtls_ctr_drbg_free(p["drbg"])
        crypto.mbedtls_entropy_free(p["ent"])
