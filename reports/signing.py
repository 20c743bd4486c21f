"""Signed evidence packs: a manifest of every file's SHA-256, signed with the installation's Ed25519 key, and
the check of a pack against it (`moneytrail verify PACK`).

A pack is a folder (or a zip of one) holding `manifest.json` and `manifest.sig` beside its files. The manifest
lists every other file by its relative path, size and SHA-256, with the signer's public key and its
fingerprint; `manifest.sig` is the base64 Ed25519 signature of the manifest's exact bytes. A pack verifies when
the signature is good, every listed file is there with its size and hash, and nothing else is. The key in the
pack proves only that the pack is whole; who signed it is the fingerprint, which an organisation publishes
(`moneytrail signing-key`) and a reader checks (`moneytrail verify PACK --key FINGERPRINT`).

The private key lives in `<data home>/keys/pack-signing-ed25519.pem` (or `$MONEYTRAIL_SIGNING_KEY`), created
on first use, readable by its owner only; it is never written anywhere else, printed or logged."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "moneytrail-pack/1"
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
KEY_FILE = Path("keys") / "pack-signing-ed25519.pem"
MAX_FILES = 10_000  # a manifest listing more is not read (a hostile pack)
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


class SigningError(RuntimeError):
    """The signing key cannot be read or made (the message says which file and why)."""


# --- the key ---------------------------------------------------------------------------------------------------
def key_path(home: Path) -> Path:
    explicit = os.environ.get("MONEYTRAIL_SIGNING_KEY")
    return Path(explicit).expanduser() if explicit else home / KEY_FILE


def signing_key(home: Path) -> Ed25519PrivateKey:
    """The installation's key, made (mode 0600, in a 0700 folder) the first time it is asked for."""
    path = key_path(home)
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise SigningError(f"the signing key {path} cannot be read: {type(exc).__name__}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningError(f"the signing key {path} is not an Ed25519 key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    except FileExistsError:  # another process made it meanwhile: that one is the key
        return signing_key(home)
    except OSError as exc:
        raise SigningError(f"the signing key {path} cannot be written: {exc.strerror or exc}") from None
    return key


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """What a reader compares: `sha256:` and the hex digest of the raw public key."""
    return "sha256:" + hashlib.sha256(raw_public(key)).hexdigest()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# --- signing ---------------------------------------------------------------------------------------------------
def digest(path: Path) -> str:
    """A file's SHA-256, hex."""
    return _digest(path)[0]


def _digest(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def sign_folder(folder: Path, key: Ed25519PrivateKey, about: dict | None = None) -> dict:
    """Write `manifest.json` (every other file of `folder`: path, bytes, sha256) and `manifest.sig`; the
    manifest, as data."""
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(folder).as_posix()
        if relative in (MANIFEST, SIGNATURE):
            continue
        sha256, size = _digest(path)
        files.append({"path": relative, "bytes": size, "sha256": sha256})
    public = key.public_key()
    manifest = {
        "format": FORMAT,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "about": about or {},
        "signer": {
            "algorithm": "Ed25519",
            "public_key": base64.b64encode(raw_public(public)).decode(),
            "fingerprint": fingerprint(public),
        },
        "files": files,
    }
    body = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=True).encode() + b"\n"
    (folder / MANIFEST).write_bytes(body)
    (folder / SIGNATURE).write_text(base64.b64encode(key.sign(body)).decode() + "\n", encoding="ascii")
    return manifest


def zip_folder(folder: Path, target: Path) -> Path:
    """The pack as one zip (entries in path order, under the folder's name)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return target


# --- verifying -------------------------------------------------------------------------------------------------
@dataclass
class Verification:
    pack: str
    problems: list[str] = field(default_factory=list)  # each names the file it is about
    files: int = 0  # files whose size and hash were checked
    fingerprint: str | None = None
    created: str | None = None
    about: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Folder:
    def __init__(self, root: Path):
        self.root = root

    def names(self) -> set[str]:
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file() or p.is_symlink()}

    def size(self, name: str) -> int:
        return (self.root / name).stat().st_size

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def digest(self, name: str) -> str:
        path = self.root / name
        if path.is_symlink():
            raise OSError("a symbolic link")
        return _digest(path)[0]


class _Zip:
    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        entries = [i for i in archive.infolist() if not i.is_dir()]
        tops = {i.filename.split("/", 1)[0] for i in entries}
        self.prefix = f"{tops.pop()}/" if len(tops) == 1 and all("/" in i.filename for i in entries) else ""
        self.entries = {i.filename[len(self.prefix) :]: i for i in entries}

    def names(self) -> set[str]:
        return set(self.entries)

    def size(self, name: str) -> int:
        return self.entries[name].file_size

    def read(self, name: str) -> bytes:
        return self.archive.read(self.entries[name])

    def digest(self, name: str) -> str:
        h = hashlib.sha256()
        with self.archive.open(self.entries[name]) as handle:
            while chunk := handle.read(1 << 20):
                h.update(chunk)
        return h.hexdigest()


def _safe_name(name: object) -> bool:
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name not in (MANIFEST, SIGNATURE)


def verify(pack: Path, expected: str | None = None) -> Verification:
    """Check a pack (folder or zip): its signature, then every file listed, then that nothing else is there."""
    result = Verification(str(pack))
    if pack.is_dir():
        return _verify(_Folder(pack), result, expected)
    try:
        with zipfile.ZipFile(pack) as archive:
            return _verify(_Zip(archive), result, expected)
    except (OSError, zipfile.BadZipFile) as exc:
        result.problems.append(f"{pack.name}: not a pack folder nor a readable zip ({type(exc).__name__})")
        return result


def _verify(source, result: Verification, expected: str | None) -> Verification:
    names = source.names()
    for needed in (MANIFEST, SIGNATURE):
        if needed not in names:
            result.problems.append(f"{needed}: missing")
    if result.problems:
        return result
    if source.size(MANIFEST) > MAX_MANIFEST_BYTES:
        result.problems.append(f"{MANIFEST}: larger than {MAX_MANIFEST_BYTES} bytes")
        return result
    body = source.read(MANIFEST)
    try:
        manifest = json.loads(body)
        signer = manifest["signer"]
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(signer["public_key"], validate=True))
        files = manifest["files"]
        if manifest.get("format") != FORMAT or not isinstance(files, list) or len(files) > MAX_FILES:
            raise ValueError("not a moneytrail pack manifest")
    except (ValueError, KeyError, TypeError) as exc:
        result.problems.append(f"{MANIFEST}: unreadable ({type(exc).__name__}: {str(exc)[:200]})")
        return result
    result.fingerprint, result.created = fingerprint(public), str(manifest.get("created", ""))[:40]
    result.about = manifest.get("about") if isinstance(manifest.get("about"), dict) else {}
    try:
        public.verify(base64.b64decode(source.read(SIGNATURE).strip(), validate=True), body)
    except (InvalidSignature, ValueError):
        result.problems.append(f"{SIGNATURE}: not the signature of {MANIFEST} by its key (one of them was changed)")
    if signer.get("fingerprint") != result.fingerprint:
        result.problems.append(f"{MANIFEST}: the fingerprint it states is not its key's")
    if expected and expected.strip().lower() != result.fingerprint:
        result.problems.append(f"{MANIFEST}: signed by {result.fingerprint}, not by the key given ({expected.strip()})")
    listed = set()
    for entry in files:
        name = entry.get("path") if isinstance(entry, dict) else None
        if not _safe_name(name):
            result.problems.append(f"{MANIFEST}: an entry that is not a plain relative path ({str(name)[:100]!r})")
            continue
        listed.add(name)
        if name not in names:
            result.problems.append(f"{name}: missing")
            continue
        try:
            if source.size(name) != entry.get("bytes") or source.digest(name) != entry.get("sha256"):
                result.problems.append(f"{name}: changed (its SHA-256 is not the manifest's)")
                continue
        except OSError as exc:
            result.problems.append(f"{name}: unreadable ({exc})")
            continue
        result.files += 1
    for extra in sorted(names - listed - {MANIFEST, SIGNATURE}):
        result.problems.append(f"{extra}: not in the manifest (added after signing)")
    return result
