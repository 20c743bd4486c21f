"""Signed packs (reports/signing.py): a pack verifies as written, folder or zip; any byte changed, any file
added or taken away, a manifest re-signed by another key, a manifest pointing outside the pack: each fails,
naming the file. The signing key is made once, readable by its owner only, and never leaves its file."""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import run_cli
from moneytrail.reports.signing import (
    MANIFEST,
    SIGNATURE,
    SigningError,
    fingerprint,
    key_path,
    sign_folder,
    signing_key,
    verify,
    zip_folder,
)

KEY = Ed25519PrivateKey.generate()
names = st.lists(
    st.from_regex(r"(evidence/)?[a-z0-9][a-z0-9_.-]{0,12}", fullmatch=True).filter(
        lambda n: n not in (MANIFEST, SIGNATURE) and ".." not in n
    ),
    min_size=1,
    max_size=6,
    unique=True,
)
packs = names.flatmap(lambda ns: st.fixed_dictionaries({n: st.binary(min_size=1, max_size=300) for n in ns}))


def write_pack(root: Path, files: dict[str, bytes], key=KEY) -> Path:
    folder = root / "pack-notice"
    if folder.exists():
        shutil.rmtree(folder)
    for name, body in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)
    sign_folder(folder, key, {"network": "PopAds"})
    return folder


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=packs, data=st.data())
def test_a_pack_verifies_and_any_changed_byte_names_its_file(tmp_path, files, data):
    folder = write_pack(tmp_path, files)
    result = verify(folder, fingerprint(KEY.public_key()))
    assert result.ok and result.files == len(files), result.problems
    assert verify(zip_folder(folder, tmp_path / "pack.zip")).ok

    name = data.draw(st.sampled_from(sorted(files) + [MANIFEST, SIGNATURE]))
    body = bytearray((folder / name).read_bytes())
    at = data.draw(st.integers(0, len(body) - 1))
    body[at] ^= data.draw(st.integers(1, 255))
    (folder / name).write_bytes(bytes(body))
    problems = verify(folder).problems
    assert problems, f"a changed byte of {name} went unseen"
    assert any(p.startswith(name) or (name == MANIFEST and p.startswith(SIGNATURE)) for p in problems), problems

    zipped = zip_folder(folder, tmp_path / "changed.zip")  # the same change, in a zip
    assert not verify(zipped).ok


def test_files_added_or_taken_away_are_named(tmp_path):
    folder = write_pack(tmp_path, {"sites.csv": b"site\n", "evidence/a.png": b"\x89PNG..."})
    (folder / "evidence" / "b.png").write_bytes(b"added")
    (folder / "sites.csv").unlink()
    problems = verify(folder).problems
    assert "sites.csv: missing" in problems
    assert "evidence/b.png: not in the manifest (added after signing)" in problems


def test_a_manifest_re_signed_by_another_key_fails_the_key_given(tmp_path):
    folder = write_pack(tmp_path, {"sites.csv": b"site\n"}, key=Ed25519PrivateKey.generate())
    assert verify(folder).ok  # whole, by its own key
    result = verify(folder, fingerprint(KEY.public_key()))
    assert not result.ok and "not by the key given" in result.problems[0]


def test_a_hostile_manifest_never_reads_outside_the_pack(tmp_path):
    """A pack whose manifest (signed by its maker) lists /etc/passwd or ../ paths: refused, never read."""
    import base64
    import json

    secret = tmp_path / "outside.txt"
    secret.write_text("not the pack's")
    folder = write_pack(tmp_path, {"sites.csv": b"site\n"})
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"] += [{"path": p, "bytes": 1, "sha256": "0" * 64} for p in ("../outside.txt", "/etc/passwd")]
    body = json.dumps(manifest).encode()
    (folder / MANIFEST).write_bytes(body)
    (folder / SIGNATURE).write_text(base64.b64encode(KEY.sign(body)).decode())
    problems = verify(folder).problems
    assert sum("not a plain relative path" in p for p in problems) == 2, problems
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as archive:  # and a zip entry that climbs out
        archive.writestr("../../x.txt", "x")
    assert not verify(tmp_path / "evil.zip").ok
    assert not verify(tmp_path / "outside.txt").ok  # not a pack at all: said, not a traceback


def test_the_key_is_made_once_for_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("MONEYTRAIL_SIGNING_KEY", raising=False)
    key = signing_key(tmp_path)
    path = key_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert fingerprint(signing_key(tmp_path).public_key()) == fingerprint(key.public_key())
    path.write_text("-----BEGIN PRIVATE KEY-----\ngarbage\n")
    with pytest.raises(SigningError, match=str(path)):
        signing_key(tmp_path)
    elsewhere = tmp_path / "shared" / "key.pem"
    monkeypatch.setenv("MONEYTRAIL_SIGNING_KEY", str(elsewhere))
    signing_key(tmp_path)
    assert elsewhere.is_file()


@pytest.mark.slow
def test_verify_and_signing_key_commands(tmp_path):
    env = {"MONEYTRAIL_HOME": str(tmp_path / "home")}
    shown = run_cli("signing-key", env=env)
    assert shown.returncode == 0 and "PRIVATE" not in shown.stdout, shown.stdout + shown.stderr
    printed = shown.stdout.split("fingerprint: ", 1)[1].split()[0]
    key = signing_key(tmp_path / "home")
    assert printed == fingerprint(key.public_key())
    folder = write_pack(tmp_path, {"sites.csv": b"site\n", "evidence/[red]x[/].png": b"png"}, key=key)
    good = run_cli("verify", folder, "--key", printed, env=env)
    assert good.returncode == 0 and "verified: 2 file(s) whole" in good.stdout, good.stdout + good.stderr
    (folder / "evidence" / "[red]x[/].png").write_bytes(b"pnG")
    bad = run_cli("verify", folder, env=env)
    assert bad.returncode == 1 and "FAILED evidence/[red]x[/].png: changed" in bad.stdout, bad.stdout + bad.stderr
    assert "Traceback" not in bad.stderr
    key_text = key_path(tmp_path / "home").read_text()
    assert all(key_text not in out for out in (shown.stdout, good.stdout, bad.stdout, bad.stderr))
