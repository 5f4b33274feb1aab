"""Test PKI for the YNA simulator.

Creates (or re-uses, so a device configured once keeps working across
simulator restarts) in the simulator's directory:

  ca.pem / ca_key.pem            test CA (RSA-2048, SHA-256), the device's yna.ca_file
  server_rsa.pem / _key.pem      server certificate, RSA-2048  (ECDHE-RSA suites)
  server_ec.pem / _key.pem       server certificate, ECDSA P-256 (ECDHE-ECDSA suites)
  pop_key.pem (0600)             device PoP private key, PKCS#8 (unless --pop-public-key)
  pop_pub.pem                    its SPKI public key, what the "network" verifies with

Both server certificates carry SAN IP:127.0.0.1 and DNS:localhost (plus
DNS:NAME with --host-name NAME): the device checks an address against
iPAddress entries only and a name against DNS entries, as browsers do. Two
certificates are loaded into one TLS context so that whichever signature
family the client offers, a suite exists.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# TLS 1.2 suites mbedTLS 2.28 offers (AES-GCM first) plus ChaCha20 for other clients.
TLS12_CIPHERS = ":".join([
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
])


@dataclass
class Pki:
    ca_file: str
    server_certs: list  # [(cert_path, key_path)]
    pop_key_file: str | None  # None when the public key was given on the command line
    pop_pub_file: str

    def public_key(self):
        with open(self.pop_pub_file, "rb") as f:
            return serialization.load_pem_public_key(f.read())

    def server_ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(TLS12_CIPHERS)  # TLS 1.3 suites are configured separately and stay on
        for cert, key in self.server_certs:
            ctx.load_cert_chain(cert, key)
        return ctx

    def client_ssl_context(self) -> ssl.SSLContext:
        """For the self-test and other Python clients: trust only the test CA."""
        ctx = ssl.create_default_context(cafile=self.ca_file)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return ctx


def _write(path: str, data: bytes, mode: int = 0o644) -> None:
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _make_ca(d: str):
    cert_path, key_path = os.path.join(d, "ca.pem"), os.path.join(d, "ca_key.pem")
    if os.path.exists(cert_path) and os.path.exists(key_path):
        with open(cert_path, "rb") as f:
            return x509.load_pem_x509_certificate(f.read()), _load_key(key_path), cert_path
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Dialtone YNA simulator test CA")])
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(days=1))
            .not_valid_after(_now() + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write(key_path, _key_pem(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key, cert_path


def _make_server(d: str, stem: str, ca_cert, ca_key, key_factory, dns_names: list):
    cert_path, key_path = os.path.join(d, stem + ".pem"), os.path.join(d, stem + "_key.pem")
    if os.path.exists(cert_path) and os.path.exists(key_path):
        with open(cert_path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        # Re-use only if still signed by the CA we have (the CA may have been replaced)
        # and it has the current SAN set.
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            dns = san.get_values_for_type(x509.DNSName)
            ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
        except x509.ExtensionNotFound:
            dns, ips = [], []
        if cert.issuer == ca_cert.subject and cert.not_valid_after > datetime.datetime.utcnow() \
                and ips == ["127.0.0.1"] and dns == dns_names:
            return cert_path, key_path
    key = key_factory()
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(days=1))
            .not_valid_after(_now() + datetime.timedelta(days=825))
            # No DNS:127.0.0.1: the device, like a browser, matches an address only
            # against iPAddress entries, so the simulator proves that path.
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))] + [x509.DNSName(n) for n in dns_names]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write(key_path, _key_pem(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM) +
           ca_cert.public_bytes(serialization.Encoding.PEM))  # chain: leaf then CA
    return cert_path, key_path


def _make_pop(d: str):
    priv, pub = os.path.join(d, "pop_key.pem"), os.path.join(d, "pop_pub.pem")
    if not (os.path.exists(priv) and os.path.exists(pub)):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _write(priv, _key_pem(key), 0o600)
        _write(pub, key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    os.chmod(priv, 0o600)
    return priv, pub


def ensure_pki(d: str, pop_public_key: str | None = None, host_names=()) -> Pki:
    os.makedirs(d, exist_ok=True)
    ca_cert, ca_key, ca_path = _make_ca(d)
    dns_names = ["localhost"] + [n for n in host_names if n != "localhost"]
    servers = [
        _make_server(d, "server_ec", ca_cert, ca_key, lambda: ec.generate_private_key(ec.SECP256R1()),
                     dns_names),
        _make_server(d, "server_rsa", ca_cert, ca_key,
                     lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), dns_names),
    ]
    if pop_public_key:
        with open(pop_public_key, "rb") as f:
            data = f.read()
        # Accept an SPKI public key, a PKCS#1 "RSA PUBLIC KEY", or (convenience) a private key.
        try:
            pub = serialization.load_pem_public_key(data)
        except ValueError:
            pub = serialization.load_pem_private_key(data, password=None).public_key()
        if not isinstance(pub, rsa.RSAPublicKey):
            raise SystemExit("--pop-public-key: not an RSA key")
        pub_path = os.path.join(d, "pop_pub.pem")
        _write(pub_path, pub.public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo))
        return Pki(ca_path, servers, None, pub_path)
    priv, pub = _make_pop(d)
    return Pki(ca_path, servers, priv, pub)
