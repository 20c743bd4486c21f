"""A visit's archive: what its browser received (the page, its frames, its popups and their redirect chains), as
WARC records that web-archive tools read and replay (ReplayWeb.page through a WACZ: `moneytrail export wacz`).

Playwright records the visit's browser context as a HAR (its `record_har_path`, bodies attached in a zip); once
the context is closed, `har_to_warc` turns it into a gzipped WARC 1.1 file, as Webrecorder's har2warc does:
- one `request` and one `response` record per exchange that was answered, dated when it began;
- a body recorded as the browser received it once decoded: so `Content-Encoding` and `Transfer-Encoding` are
  left out of the recorded headers and `Content-Length` is the decoded body's;
- bodies past `max_bytes` in all are not kept: their response records say `WARC-Truncated: length` (a page that
  sends gigabytes cannot fill the disk of the crawl);
- header lines as HTTP allows them, whatever the page sent: a name that is not an HTTP token is left out, a
  value Chromium joined with newlines is one header per line, control characters are dropped, and each
  record has one `Content-Length`; an exchange that still cannot be written is left out and counted;
- the upgrade of a WebSocket (101) is not archived (its frames are in the visit's observation);
- a `warcinfo` record first: the software, the visit, the bound and what was left out.
Every name in the zip is read only as a member of it (never a path on disk); a body past the bound is never
read out of it.
"""

from __future__ import annotations

import base64
import json
import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SKIPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an HTTP header name (RFC 9110)
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass
class ArchiveFacts:
    records: int = 0  # request and response records written
    exchanges: int = 0  # answered exchanges archived
    unanswered: int = 0  # requests the browser sent without an answer (failed, cancelled): not archived
    body_bytes: int = 0  # bodies kept
    truncated: int = 0  # responses whose body was past the bound
    skipped: int = 0  # exchanges that could not be written as WARC records (their shape): left out


def _body(content: dict, har: zipfile.ZipFile, room: int) -> tuple[bytes, bool]:
    """A response's body, or nothing and True when it is larger than the `room` left (never read then)."""
    name = content.get("_file")
    if name:
        try:
            if har.getinfo(name).file_size > room:
                return b"", True
            return har.read(name), False
        except KeyError:  # a body Playwright could not keep
            return b"", False
    text = content.get("text") or ""
    data = base64.b64decode(text) if content.get("encoding") == "base64" else text.encode("utf-8", "replace")
    return (b"", True) if len(data) > room else (data, False)


def _headers(pairs, skip: set[str] = frozenset()) -> list[tuple[str, str]]:
    out = []
    for pair in pairs or []:
        name = str(pair.get("name", ""))
        if not TOKEN.fullmatch(name) or name.lower() in skip:
            continue  # not a header HTTP could carry (HTTP/2 pseudo-headers among them)
        for value in str(pair.get("value", "")).split("\n"):
            out.append((name, CONTROL.sub("", value)))
    return out


def _ascii(text: str) -> str:
    return CONTROL.sub("", text).encode("ascii", "replace").decode("ascii")


def _protocol(value: str | None) -> str:
    value = (value or "").upper()
    return value if re.fullmatch(r"HTTP/[0-9.]+", value) else "HTTP/1.1"


def _dated(entry: dict, headers: dict) -> dict:
    started = str(entry.get("startedDateTime") or "")
    if started:
        headers["WARC-Date"] = started.replace("+00:00", "Z")
    return headers


def har_to_warc(har_zip: Path, out, *, max_bytes: int, info: dict) -> ArchiveFacts:
    """Write the WARC of a HAR zip (Playwright's, bodies attached) to the binary file `out`; what was written."""
    facts = ArchiveFacts()
    pairs: list[bytes] = []
    with zipfile.ZipFile(har_zip) as har:
        log = json.loads(har.read("har.har"))["log"]
        for entry in log.get("entries") or []:
            response = entry.get("response") or {}
            status = response.get("status")
            if not isinstance(status, int) or status <= 0 or status == 101:
                facts.unanswered += status != 101
                continue
            try:
                body, cut = _body(response.get("content") or {}, har, max_bytes - facts.body_bytes)
                buffer = BytesIO()
                writer = WARCWriter(buffer, gzip=True, warc_version="1.1")
                request = _request_record(writer, entry)
                writer.write_request_response_pair(request, _response_record(writer, entry, body, cut))
            except Exception:  # a page's odd exchange costs that exchange, not the archive
                facts.skipped += 1
                continue
            pairs.append(buffer.getvalue())
            facts.body_bytes += len(body)
            facts.truncated += cut
            facts.exchanges += 1
            facts.records += 2
        creator = log.get("creator") or {}
    params = {
        "software": info.get("software", "moneytrail"),
        "format": "WARC File Format 1.1",
        "recorder": _ascii(f"{creator.get('name', 'Playwright')} {creator.get('version', '')}".strip()),
        "json-metadata": json.dumps(
            {
                **{k: v for k, v in info.items() if k not in ("software", "filename")},
                "max_body_bytes": max_bytes,
                "bodies_cut": facts.truncated,
                "unanswered_requests": facts.unanswered,
                "exchanges_left_out": facts.skipped,
            }
        ),
    }
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record(info.get("filename", "visit.warc.gz"), params))
    for pair in pairs:  # each record is a gzip member of its own: they follow one another as written
        out.write(pair)
    return facts


def warc_of(har_zip: Path, *, max_bytes: int, info: dict) -> tuple[bytes, ArchiveFacts]:
    """The gzipped WARC of a HAR zip, in memory (its bodies are bounded by `max_bytes`), and what it holds."""
    out = BytesIO()
    facts = har_to_warc(har_zip, out, max_bytes=max_bytes, info=info)
    return out.getvalue(), facts


def _response_record(writer: WARCWriter, entry: dict, body: bytes, cut: bool):
    response = entry["response"]
    http = StatusAndHeaders(
        f"{response['status']} {_ascii(str(response.get('statusText') or 'No Reason'))}",
        [*_headers(response.get("headers"), SKIPPED_HEADERS), ("Content-Length", str(len(body)))],
        protocol=_protocol(response.get("httpVersion")),
    )
    warc_headers = _dated(entry, {})
    address = str(entry.get("serverIPAddress") or "").strip("[]")
    if re.fullmatch(r"[0-9A-Fa-f:.]+", address):
        warc_headers["WARC-IP-Address"] = address
    if cut:
        warc_headers["WARC-Truncated"] = "length"
    return writer.create_warc_record(
        str(entry["request"]["url"]),
        "response",
        payload=BytesIO(body),
        length=len(body),
        http_headers=http,
        warc_headers_dict=warc_headers,
    )


def _request_record(writer: WARCWriter, entry: dict):
    request = entry["request"]
    parts = urlsplit(str(request["url"]))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = _headers(request.get("headers"), {"content-length"})
    if not any(name.lower() == "host" for name, _ in headers):
        headers.append(("Host", parts.netloc))
    body = str((request.get("postData") or {}).get("text") or "").encode("utf-8", "replace")
    if body:
        headers.append(("Content-Length", str(len(body))))
    method = str(request.get("method") or "GET")
    line = f"{method if TOKEN.fullmatch(method) else 'GET'} {_ascii(target)} {_protocol(request.get('httpVersion'))}"
    return writer.create_warc_record(
        str(request["url"]),
        "request",
        payload=BytesIO(body),
        length=len(body),
        http_headers=StatusAndHeaders(line, headers, is_http_request=True),
        warc_headers_dict=_dated(entry, {}),
    )
