"""A throw-away PKI for TLS tests: a CA, a server cert for 127.0.0.1/localhost, a client cert.

Shared by the interfaces that run TLS (A1 over HTTPS, NETCONF call home over TLS), so it
lives below them (import-linter keeps the interface bindings independent of each other).

Keys are generated per call into a directory the caller owns (a pytest
tmp_path); nothing is ever written into the repository. A second, unrelated
CA is made too, so tests can show that a peer signed by another CA is refused.
EC P-256 keys keep generation fast (a few ms) on the shared CI machines.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class TestPki:
    """Paths of PEM files made by `make_test_pki`."""

    __test__ = False          # not a pytest test class

    ca_file: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca_file: Path        # a CA that signed nothing here
    other_client_cert: Path    # a client cert signed by other_ca
    other_client_key: Path


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "oran-harness test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, key, issuer, issuer_key, *, ca: bool, sans=(), usage=None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, cert=None, key=None) -> Path:
    if cert is not None:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    else:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        path.chmod(0o600)
    return path


def make_test_pki(directory: Path | str) -> TestPki:
    """Write a fresh CA, server and client certificates (PEM) into ``directory``."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    ca_key, other_key = _key(), _key()
    ca = _cert(_name("test A1 CA"), ca_key, _name("test A1 CA"), ca_key, ca=True)
    other = _cert(_name("other CA"), other_key, _name("other CA"), other_key, ca=True)
    server_key, client_key, stray_key = _key(), _key(), _key()
    server = _cert(_name("localhost"), server_key, ca.subject, ca_key, ca=False,
                   sans=(x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))),
                   usage=ExtendedKeyUsageOID.SERVER_AUTH)
    client = _cert(_name("non-rt-ric"), client_key, ca.subject, ca_key, ca=False,
                   usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    stray = _cert(_name("stranger"), stray_key, other.subject, other_key, ca=False,
                  usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    return TestPki(
        ca_file=_write(d / "ca.pem", cert=ca), server_cert=_write(d / "server.pem", cert=server),
        server_key=_write(d / "server.key", key=server_key), client_cert=_write(d / "client.pem", cert=client),
        client_key=_write(d / "client.key", key=client_key), other_ca_file=_write(d / "other-ca.pem", cert=other),
        other_client_cert=_write(d / "stranger.pem", cert=stray),
        other_client_key=_write(d / "stranger.key", key=stray_key))
