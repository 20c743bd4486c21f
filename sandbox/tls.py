"""A local certificate authority that signs a certificate for each hostname on demand (SNI).

The CA signs certificates for any name the sandbox serves, real ad-network hostnames included: trust it
only in a throwaway browser profile, or use `--ignore-certificate-errors` (as the tests do)."""

from __future__ import annotations

import datetime
import hashlib
import os
import ssl
import threading
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "moneytrail sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, from its first byte on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


class CertificateAuthority:
    """Creates (once) a CA in `directory` and issues leaf certificates into it, one file per hostname.

    File names are hashes of the hostname, never the hostname itself. `allow` says which names get a
    certificate of their own; for any other name the client gets the certificate of the CONNECT host."""

    def __init__(self, directory: Path, allow: Callable[[str], bool] = lambda name: True):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.allow = allow
        self.ca_cert_path = self.directory / "sandbox-ca.pem"
        self._key, self._cert = self._load_or_create(self.directory / "sandbox-ca.key")
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def _load_or_create(self, key_path: Path):
        if self.ca_cert_path.exists() and key_path.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            cert = x509.load_pem_x509_certificate(self.ca_cert_path.read_bytes())
            try:  # CAs made before key identifiers were added are replaced (strict X.509 checks need them)
                cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
                return key, cert
            except x509.ExtensionNotFound:
                pass
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name("moneytrail sandbox CA"))
            .issuer_name(_name("moneytrail sandbox CA"))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        _write_private(key_path, _pem_key(key))
        self.ca_cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return key, cert

    def context_for(self, hostname: str) -> ssl.SSLContext:
        hostname = hostname.lower()
        with self._lock:
            ctx = self._contexts.get(hostname)
            if ctx is None:
                ctx = self._contexts[hostname] = self._issue(hostname)
            return ctx

    def _issue(self, hostname: str) -> ssl.SSLContext:
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(hostname))
            .issuer_name(self._cert.subject)
            .public_key(self._leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._leaf_key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        path = self.directory / f"leaf-{hashlib.sha256(hostname.encode()).hexdigest()[:32]}.pem"
        _write_private(
            path,
            cert.public_bytes(serialization.Encoding.PEM)
            + self._cert.public_bytes(serialization.Encoding.PEM)
            + _pem_key(self._leaf_key),
        )
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(path)
        ctx.set_alpn_protocols(["http/1.1"])
        ctx.sni_callback = self._pick  # a client naming another host gets that host's certificate
        return ctx

    def _pick(self, sslobj, server_name, _ctx) -> None:
        if server_name and self.allow(server_name.lower()):
            sslobj.context = self.context_for(server_name)
