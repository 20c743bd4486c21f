"""A local certificate authority that signs a certificate for each hostname on demand (SNI)."""
from __future__ import annotations

import datetime
import hashlib
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "moneytrail sandbox"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class CertificateAuthority:
    """Creates (once) a CA in `directory` and issues leaf certificates into it, one file per hostname.

    File names are hashes of the hostname, never the hostname itself."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.ca_cert_path = self.directory / "sandbox-ca.pem"
        key_path = self.directory / "sandbox-ca.key"
        if self.ca_cert_path.exists() and key_path.exists():
            self._key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            self._cert = x509.load_pem_x509_certificate(self.ca_cert_path.read_bytes())
        else:
            self._key = ec.generate_private_key(ec.SECP256R1())
            now = datetime.datetime.now(datetime.timezone.utc)
            self._cert = (
                x509.CertificateBuilder().subject_name(_name("moneytrail sandbox CA"))
                .issuer_name(_name("moneytrail sandbox CA")).public_key(self._key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .sign(self._key, hashes.SHA256()))
            key_path.write_bytes(self._key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            key_path.chmod(0o600)
            self.ca_cert_path.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def context_for(self, hostname: str) -> ssl.SSLContext:
        hostname = hostname.lower()
        with self._lock:
            ctx = self._contexts.get(hostname)
            if ctx is None:
                ctx = self._contexts[hostname] = self._issue(hostname)
            return ctx

    def _issue(self, hostname: str) -> ssl.SSLContext:
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder().subject_name(_name(hostname)).issuer_name(self._cert.subject)
            .public_key(self._leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
            .sign(self._key, hashes.SHA256()))
        path = self.directory / f"leaf-{hashlib.sha256(hostname.encode()).hexdigest()[:32]}.pem"
        path.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + self._cert.public_bytes(serialization.Encoding.PEM)
            + self._leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        path.chmod(0o600)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(path)
        ctx.set_alpn_protocols(["http/1.1"])
        ctx.sni_callback = self._pick  # a client naming another host gets that host's certificate
        return ctx

    def _pick(self, sslobj, server_name, _ctx) -> None:
        if server_name:
            sslobj.context = self.context_for(server_name)
