"""Visits: each stored with all its observations (the whole Observation, compressed, plus its requests and
windows flattened for SQL) and its findings, in one transaction; screenshots as files beside the database."""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite

from moneytrail.crawler.domains import host_of, site_of
from moneytrail.crawler.observation import Observation

from .db import Store, out_of_space
from .findings import add_findings
from .schema import EvidenceFile, Request, ScriptText, Visit, Window

logger = logging.getLogger(__name__)
INSERT_OR_IGNORE = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def pack(obs: Observation) -> bytes:
    return zlib.compress(json.dumps(obs.to_dict(), separators=(",", ":")).encode(), 6)


def unpack(blob: bytes) -> Observation:
    return Observation.from_dict(json.loads(zlib.decompress(blob)))


def _save_screenshots(store: Store, run_id: int | None, shots: dict[str, bytes]) -> dict[str, tuple[str, str, int]]:
    """Write a visit's files (names are the crawler's own, never taken from a URL): name -> (stored path,
    SHA-256, size), the digest taken from the bytes written."""
    folder = f"run-{run_id}" if run_id is not None else "no-run"
    (store.screenshots / folder).mkdir(parents=True, exist_ok=True)
    saved: dict[str, tuple[str, str, int]] = {}
    try:
        for name, data in shots.items():
            safe = Path(name).name
            if not safe or safe.startswith("."):
                continue
            saved[name] = (f"{folder}/{safe}", hashlib.sha256(data).hexdigest(), len(data))
            (store.screenshots / folder / safe).write_bytes(data)
    except OSError:  # a full disk: no file of the visit is left behind, empty or cut
        _remove_screenshots(store, [path for path, _, _ in saved.values()])
        raise
    return saved


def _remove_screenshots(store: Store, paths) -> None:
    for path in paths:
        (store.screenshots / path).unlink(missing_ok=True)


def write_visit(
    store: Store,
    obs: Observation,
    *,
    run_id: int | None,
    site_id: int | None,
    screenshots: dict[str, bytes] | None = None,
    findings=None,
    texts: dict[str, str] | None = None,
    archive: str | None = None,
) -> int:
    """Store one visit, all its observations and its findings (`attribution.Findings`, as data; None when
    attribution failed) in one transaction, with the texts of the script files it kept (sha256 -> text, each
    stored once whatever the number of visits that saw it), and its files (`screenshots`: name -> bytes; the
    one named `archive` is its WARC), each with its SHA-256; returns the visit's row id."""
    saved = _save_screenshots(store, run_id, screenshots or {})
    # the others are landing pages' screenshots
    kinds = {
        obs.screenshot: "page",
        archive: "archive",
        **{step.screenshot: "page" for step in obs.steps if step.screenshot},  # the page before a click
        **{ad.crop: "ad" for ad in obs.cropped()},
    }
    evidence = [
        {"kind": kinds.get(name, "landing"), "path": path, "sha256": digest, "size": size}
        for name, (path, digest, size) in saved.items()
    ]
    paths = {name: path for name, (path, _, _) in saved.items()}
    obs.screenshot = paths.get(obs.screenshot or "", obs.screenshot)
    for w in obs.windows:
        w.screenshot = paths.get(w.screenshot or "", w.screenshot)
    for ad in obs.cropped():
        ad.crop = paths.get(ad.crop, ad.crop)
    for step in obs.steps:
        step.screenshot = paths.get(step.screenshot or "", step.screenshot)
    for link in getattr(findings, "links", None) or ():  # made from the windows before their files were stored
        link.screenshot = paths.get(link.screenshot or "", link.screenshot)
        link.page_screenshot = paths.get(link.page_screenshot or "", link.page_screenshot)
    try:
        return _insert_visit(store, obs, run_id, site_id, findings, texts, paths.get(archive or ""), evidence)
    except Exception as exc:
        if out_of_space(exc):  # the visit is not stored: neither are its files
            _remove_screenshots(store, paths.values())
        raise


def _insert_visit(store: Store, obs: Observation, run_id, site_id, findings, texts, archive, evidence) -> int:
    with store.session() as s, s.begin():
        visit = Visit(
            uid=obs.visit_id,
            run_id=run_id,
            site_id=site_id,
            url=obs.url,
            page_kind=obs.page_kind,
            status=obs.status,
            error=obs.error,
            http_status=obs.http_status,
            final_url=obs.final_url,
            final_site=obs.final_site[:253],
            title=obs.title,
            started_at=datetime.fromisoformat(obs.started_at),
            duration=obs.duration,
            profile=obs.profile,
            screenshot=obs.screenshot,
            archive=archive,
            hostile=obs.hostile,
            n_requests=len(obs.requests),
            n_windows=len(obs.windows),
            n_websockets=len(obs.websockets),
            n_wasm=len(obs.wasm),
            consent=obs.consent.outcome() if obs.consent else None,
            consent_cmp=obs.consent.main_cmp() if obs.consent else None,
            schema=obs.schema,
            observation=pack(obs),
        )
        s.add(visit)
        s.flush()
        if evidence:
            s.execute(insert(EvidenceFile), [{"visit_id": visit.id, **row} for row in evidence])
        if obs.requests:
            s.execute(
                insert(Request),
                [
                    {
                        "visit_id": visit.id,
                        "n": r.id,
                        "url": r.url,
                        "host": host_of(r.url)[:253],
                        "method": r.method[:10],
                        "resource_type": r.resource_type[:30],
                        "page": r.page,
                        "navigation": r.navigation,
                        "initiator": r.initiator,
                        "status": r.status,
                        "failure": r.failure,
                        "step": r.step,
                    }
                    for r in obs.requests
                ],
            )
        if obs.windows:
            s.execute(
                insert(Window),
                [
                    {
                        "visit_id": visit.id,
                        "page": w.page,
                        "kind": w.kind,
                        "step": w.step,
                        "first_url": w.chain[0].url if w.chain else None,
                        "landing_url": w.landing_url,
                        "landing_site": site_of(w.landing_url)[:253] if w.landing_url else None,
                        "landing_title": w.landing_title,
                        "screenshot": w.screenshot,
                        "hops": [{"url": h.url, "via": h.via, "method": h.method, "status": h.status} for h in w.chain],
                    }
                    for w in obs.windows
                ],
            )
        add_texts(s, texts or {})
        if findings is not None:
            try:
                with s.begin_nested():  # findings that cannot be written never cost the observation
                    add_findings(s, findings, visit_id=visit.id)
            except Exception:
                logger.exception("findings of visit %s not stored (run `moneytrail reanalyze`)", obs.visit_id)
        return visit.id


def add_texts(s, texts: dict[str, str]) -> None:
    """Store the script texts not stored yet (content-addressed by SHA-256)."""
    if not texts:
        return
    known = set(s.scalars(select(ScriptText.sha256).where(ScriptText.sha256.in_(list(texts)))))
    rows = [
        {"sha256": sha, "size": len(text.encode()), "text": zlib.compress(text.encode(), 6)}
        for sha, text in texts.items()
        if sha not in known
    ]
    if rows:  # another writer may store the same text at the same moment: theirs is the same text
        upsert = INSERT_OR_IGNORE.get(s.get_bind().dialect.name)
        if upsert is not None:
            s.execute(upsert(ScriptText).on_conflict_do_nothing(index_elements=["sha256"]), rows)
        else:
            for row in rows:
                with s.begin_nested():
                    if s.get(ScriptText, row["sha256"]) is None:
                        s.execute(insert(ScriptText), [row])


def texts_of(store: Store, shas) -> dict[str, str]:
    """sha256 -> text of these script texts (those stored)."""
    shas = sorted(set(shas))
    out: dict[str, str] = {}
    with store.session() as s:
        for start in range(0, len(shas), 500):
            for sha, blob in s.execute(
                select(ScriptText.sha256, ScriptText.text).where(ScriptText.sha256.in_(shas[start : start + 500]))
            ):
                out[sha] = zlib.decompress(blob).decode("utf-8", "replace")
    return out


def visited_uids(store: Store, run_id: int) -> set[str]:
    with store.session() as s:
        return set(s.scalars(select(Visit.uid).where(Visit.run_id == run_id)))


def load_observations(store: Store, run_id: int | None = None) -> list[Observation]:
    with store.session() as s:
        query = select(Visit.observation).order_by(Visit.id)
        if run_id is not None:
            query = query.where(Visit.run_id == run_id)
        return [unpack(blob) for blob in s.scalars(query)]


def visit_stored(store: Store, uid: str) -> bool:
    with store.session() as s:
        return s.scalar(select(Visit.id).where(Visit.uid == uid)) is not None


def find_visit(store: Store, key: str) -> tuple[Visit, Observation] | None:
    """A stored visit by its uid (as reports and notice packs cite it) or its row id: the row and its
    Observation, or None."""
    with store.session() as s:
        row = s.scalar(select(Visit).where(Visit.uid == key))
        if row is None and key.isdigit() and len(key) < 19:
            row = s.get(Visit, int(key))
        if row is None:
            return None
        s.expunge(row)
    return row, unpack(row.observation)


def visit_ids(store: Store, since=None) -> list[int]:
    """Row ids of every stored visit (started at or after `since`), oldest first."""
    query = select(Visit.id)
    if since is not None:
        query = query.where(Visit.started_at >= since)
    with store.session() as s:
        return list(s.scalars(query.order_by(Visit.id)))


def observations_of(store: Store, ids: list[int]) -> Iterator[tuple[int, Observation | Exception]]:
    """(row id, Observation) of these visits; an observation that cannot be read comes as its exception."""
    with store.session() as s:
        rows = s.execute(select(Visit.id, Visit.observation).where(Visit.id.in_(ids))).all()
    for visit_id, blob in rows:
        try:
            yield visit_id, unpack(blob)
        except Exception as exc:  # a damaged blob costs its own visit only
            yield visit_id, exc


def archived_visits(store: Store, scope=None, uids: list[str] | None = None) -> list[dict]:
    """The visits with an archive (a WARC): uid, url, title, started_at, archive (a path relative to the
    screenshots directory), oldest first; of a `findings.Scope` and/or of the visit uids given."""
    query = select(Visit.uid, Visit.url, Visit.title, Visit.started_at, Visit.archive).where(Visit.archive.is_not(None))
    if scope is not None:
        query = scope.visits(query)
    if uids:
        query = query.where(Visit.uid.in_(uids))
    with store.session() as s:
        return [dict(row._mapping) for row in s.execute(query.order_by(Visit.started_at, Visit.id))]


def evidence_of(store: Store, visit_id: int) -> list[dict]:
    """A visit's evidence files: kind, path, sha256, size (as recorded when they were written)."""
    query = (
        select(EvidenceFile.kind, EvidenceFile.path, EvidenceFile.sha256, EvidenceFile.size)
        .where(EvidenceFile.visit_id == visit_id)
        .order_by(EvidenceFile.id)
    )
    with store.session() as s:
        return [dict(row._mapping) for row in s.execute(query)]
