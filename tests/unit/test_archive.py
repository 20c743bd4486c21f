"""A visit's archive (crawler/archive.py): Playwright's HAR, bodies attached in a zip, made into a WARC that
warcio reads back and py-wacz packages and validates (reports/archives.py). The HARs here have the shape
Playwright 1.65 writes (`har.har` plus one member per body, named by its SHA-1, `content._file`), with the
cases real pages give: a compressed response (decoded body, Content-Encoding still in its headers), an
HTTP/2 exchange (pseudo-headers), a POST, a request that was never answered, a redirect."""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from moneytrail.crawler.archive import har_to_warc, warc_of


def entry(url, status=200, body=b"", headers=(), method="GET", http="http/1.1", post=None, when="12.000"):
    content = {"size": len(body), "mimeType": "text/html"}
    if body:
        content["_file"] = hashlib.sha1(body).hexdigest() + ".bin"
    request = {
        "method": method,
        "url": url,
        "httpVersion": http,
        "headers": [{"name": "User-Agent", "value": "Mozilla/5.0"}],
        "queryString": [],
        "headersSize": -1,
        "bodySize": len(post or ""),
    }
    if post:
        request["postData"] = {"mimeType": "application/json", "text": post}
    return {
        "startedDateTime": f"2026-11-27T00:02:{when}Z",
        "time": 10,
        "request": request,
        "response": {
            "status": status,
            "statusText": "OK" if status == 200 else "",
            "httpVersion": http,
            "headers": [{"name": k, "value": v} for k, v in headers],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(body),
        },
        "serverIPAddress": "[2001:db8::1]",
        "timings": {"send": 0, "wait": 1, "receive": 1},
    }, body


def har_zip(path: Path, exchanges) -> Path:
    entries = []
    with zipfile.ZipFile(path, "w") as z:
        for item, body in exchanges:
            entries.append(item)
            if body:
                z.writestr(item["response"]["content"]["_file"], body)
        log = {
            "version": "1.2",
            "creator": {"name": "Playwright", "version": "1.65.1"},
            "pages": [],
            "entries": entries,
        }
        z.writestr("har.har", json.dumps({"log": log}))
    return path


def records(data: bytes) -> list:
    out = []
    for record in ArchiveIterator(BytesIO(data)):
        out.append((record.rec_type, record.rec_headers, record.http_headers, record.content_stream().read()))
    return out


def test_every_answered_exchange_becomes_a_request_and_a_response_record(tmp_path):
    page = b"<html><body>" + b"film " * 400 + b"</body></html>"
    har = har_zip(
        tmp_path / "v.har.zip",
        [
            entry(
                "https://site.example/film?id=1",
                body=page,
                headers=[("Content-Encoding", "gzip"), ("Content-Length", "99"), ("Content-Type", "text/html")],
            ),  # fmt: skip
            entry("https://ads.example/pop", 302, headers=[("Location", "https://adv.example/")], when="12.500"),
            entry("https://h2.example/tag.js", body=b"var zone=1;", http="h2", when="13.000"),
            entry("https://ads.example/bid", body=b"{}", method="POST", post='{"zone":"1"}', when="13.100"),
            entry("https://gone.example/x.js", status=0, when="13.200"),  # failed: no answer
        ],
    )
    data, facts = warc_of(har, max_bytes=1 << 20, info={"visit": "abc", "url": "https://site.example/film?id=1"})
    assert data[:2] == b"\x1f\x8b"  # gzipped, record by record
    got = records(data)
    assert [r[0] for r in got] == ["warcinfo"] + ["response", "request"] * 4
    assert facts.exchanges == 4 and facts.unanswered == 1 and facts.truncated == 0
    assert json.loads(dict(_info(got[0][3]))["json-metadata"])["visit"] == "abc"

    kind, warc, http, body = got[1]
    assert warc.get_header("WARC-Target-URI") == "https://site.example/film?id=1"
    assert warc.get_header("WARC-Date") == "2026-11-27T00:02:12.000Z"
    assert warc.get_header("WARC-IP-Address") == "2001:db8::1"
    assert body == page  # decoded, as the browser used it: so not said to be gzip, and its own length
    assert http.get_header("Content-Encoding") is None and http.get_header("Content-Length") == str(len(page))
    request = got[2]
    assert request[2].protocol == "GET" and request[2].statusline == "/film?id=1 HTTP/1.1"
    assert request[2].get_header("Host") == "site.example"

    assert got[3][2].get_statuscode() == "302" and got[3][2].get_header("Location") == "https://adv.example/"
    assert not any(name.startswith(":") for name, _ in got[6][2].headers)  # HTTP/2 pseudo-headers left out
    assert got[8][3] == b'{"zone":"1"}'  # the POST's body, in its request record


def _info(payload: bytes):
    for line in payload.decode().splitlines():
        if ": " in line:
            yield line.split(": ", 1)


def test_bodies_past_the_bound_are_archived_without_their_body_and_said_truncated(tmp_path):
    big = b"x" * 3000
    har = har_zip(
        tmp_path / "v.har.zip", [entry(f"https://cdn.example/{i}.bin", body=big + bytes([i])) for i in range(5)]
    )
    out = BytesIO()
    facts = har_to_warc(har, out, max_bytes=7000, info={})
    assert facts.exchanges == 5 and facts.truncated == 3 and facts.body_bytes == 2 * 3001
    responses = [r for r in records(out.getvalue()) if r[0] == "response"]
    assert [r[1].get_header("WARC-Truncated") for r in responses] == [None, None, "length", "length", "length"]
    assert [len(r[3]) for r in responses] == [3001, 3001, 0, 0, 0]
    assert json.loads(dict(_info(records(out.getvalue())[0][3]))["json-metadata"])["bodies_cut"] == 3


def test_a_body_missing_from_the_zip_is_an_empty_body_not_a_failure(tmp_path):
    item, _ = entry("https://site.example/", body=b"never written")
    har = har_zip(tmp_path / "v.har.zip", [(item, b"")])  # _file named, member absent
    data, facts = warc_of(har, max_bytes=1 << 20, info={})
    assert facts.exchanges == 1 and records(data)[1][3] == b""


@pytest.mark.slow
def test_the_warc_is_packaged_and_validated_by_py_wacz(tmp_path):
    """The real tool chain: our WARC in a WACZ made by py-wacz, then py-wacz's own validation."""
    from datetime import UTC, datetime

    from moneytrail.crawler.observation import Observation
    from moneytrail.crawler.store import open_store
    from moneytrail.crawler.store.visits import evidence_of, write_visit
    from moneytrail.reports.archives import validate_wacz, write_wacz

    page = b"<html><head><title>Film</title></head><body>ok</body></html>"
    har = har_zip(tmp_path / "v.har.zip", [entry("https://site.example/", body=page)])
    data, _ = warc_of(har, max_bytes=1 << 20, info={"visit": "v1"})
    store = open_store(f"sqlite:///{tmp_path / 'db'}", tmp_path / "shots")
    obs = Observation("v1", "https://site.example/", "site.example", "home", started_at=datetime.now(UTC).isoformat())
    obs.screenshot = "v1.jpg"
    row = write_visit(
        store, obs, run_id=None, site_id=None, screenshots={"v1.jpg": b"\xff\xd8jpeg", "v1.warc.gz": data},
        archive="v1.warc.gz",
    )  # fmt: skip
    evidence = {e["kind"]: e for e in evidence_of(store, row)}
    assert evidence["archive"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert (tmp_path / "shots" / evidence["archive"]["path"]).read_bytes() == data
    assert evidence["page"]["size"] == 6

    facts = write_wacz(store, tmp_path / "out" / "visits.wacz")
    assert facts.visits == 1 and facts.missing == 0 and facts.unpaged == 0
    ok, said = validate_wacz(facts.path)
    assert ok, said
    with zipfile.ZipFile(facts.path) as wacz:
        assert wacz.read(f"archive/{Path(evidence['archive']['path']).name}") == data  # py-wacz's validation
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        index = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode()
    assert pages[1]["url"] == "https://site.example/" and pages[1]["id"] == "v1"
    assert "site.example" in index

    damaged = tmp_path / "damaged.wacz"  # the same package, one archived byte changed: its digest no longer holds
    with zipfile.ZipFile(facts.path) as source, zipfile.ZipFile(damaged, "w") as target:
        for member in source.infolist():
            content = source.read(member)
            if member.filename.startswith("archive/"):
                content = content[:-1] + bytes([content[-1] ^ 1])
            target.writestr(member, content)
    ok, said = validate_wacz(damaged)
    assert not ok, said


def test_a_wacz_of_visits_without_archives_is_a_clear_error(tmp_path):
    import pytest

    from moneytrail.crawler.store import open_store
    from moneytrail.reports.archives import ArchiveError, write_wacz

    store = open_store(f"sqlite:///{tmp_path / 'db'}", tmp_path / "shots")
    with pytest.raises(ArchiveError, match="--no-archive"):
        write_wacz(store, tmp_path / "x.wacz")


def test_hostile_headers_cannot_inject_lines_or_cost_the_archive(tmp_path):
    """A page chooses its response's reason phrase and headers: Chromium hands over values joined with
    newlines, names and reasons in any script. The WARC keeps HTTP's shape: one header per line, token names,
    one Content-Length (the body's), and the visit keeps its archive."""
    hostile = [
        ("X-Joined", "a\nb"),
        ("X-Inject", "v\r\nContent-Length: 999"),
        ("Bad Name", "x"),
        ("Nön-ascii", "x"),
        ("X-Value", "naïve ✓"),
        ("Content-Length", "50"),
        ("content-length", "7"),
    ]
    item, body = entry("https://evil.example/", body=b"<p>ok</p>", headers=hostile)
    item["response"]["statusText"] = "Ök\r\nX: 1"
    item["startedDateTime"] = ""
    ws, _ = entry("wss://evil.example/socket", status=101, when="13.000")
    har = har_zip(tmp_path / "v.har.zip", [(item, body), (ws, b"")])
    data, facts = warc_of(har, max_bytes=1 << 20, info={})
    assert facts.exchanges == 1 and facts.skipped == 0 and facts.unanswered == 0  # the WebSocket left out
    (_, warc, http, got), request = records(data)[1], records(data)[2]
    assert got == b"<p>ok</p>"
    names = [name for name, _ in http.headers]
    assert [v for n, v in http.headers if n.lower() == "content-length"] == ["9"]
    assert ("X-Joined", "a") in http.headers and ("X-Joined", "b") in http.headers
    assert ("X-Inject", "v") in http.headers and "Bad Name" not in names and "Nön-ascii" not in names
    assert all("\r" not in v and "\n" not in v for _, v in http.headers)
    assert "\n" not in http.statusline and "\r" not in http.statusline
    assert len(warc.get_header("WARC-Date") or "") > 0  # one date, the record's own
    assert len([h for h in request[1].headers if h[0] == "WARC-Date"]) == 1
