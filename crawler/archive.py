"""A visit's archive: what its browser received (the page, its frames, its popups and their redirect chains), as
WARC records that web-archive tools read and replay (ReplayWeb.page through a WACZ: `moneytrail export wacz`).

Playwright records the visit's browser context as a HAR (its `record_har_path`, bodies attached in a zip); once
the context is closed, `har_to_warc` turns it into a gzipped WARC 1.1 file, as Webrecorder's har2warc does:
- one `request` and one `response` record per exchange that was answered, dated when it began;
- a body recorded as the browser received it once decoded: so `Content-Encoding` and `Transfer-Encoding` are
  left out of the recorded headers and `Content-Length` is the decoded body's;
- bodies past `max_bytes` in all are not kept: their response records say `WARC-Truncated: length` (a page that
  sends gigabytes cannot fill the disk of the crawl);
- a `warcinfo` record first: the software, the visit, the bound and what it cut.
Every name in the zip is read only as a member of it (never a path on disk).
"""

from __future__ import annotations

import base64
import json
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SKIPPED_HEADERS = {"content-encoding", "transfer-encoding"}


@dataclass
class ArchiveFacts:
    records: int = 0  # request and response records written
    exchanges: int = 0  # answered exchanges archived
    unanswered: int = 0  # requests the browser sent without an answer (failed, cancelled): not archived
    body_bytes: int = 0  # bodies kept
    truncated: int = 0  # responses whose body was past the bound


def _body(content: dict, har: zipfile.ZipFile) -> bytes:
    name = content.get("_file")
    if name:
        try:
            return har.read(name)
        except KeyError:  # a body Playwright could not keep
            return b""
    text = content.get("text") or ""
    return base64.b64decode(text) if content.get("encoding") == "base64" else text.encode("utf-8", "replace")


def _protocol(value: str | None) -> str:
    value = (value or "").upper()
    return value if value.startswith("HTTP/") else "HTTP/1.1"


def _date(started: str) -> str:
    return started.replace("+00:00", "Z") if started else ""


def har_to_warc(har_zip: Path, out, *, max_bytes: int, info: dict) -> ArchiveFacts:
    """Write the WARC of a HAR zip (Playwright's, bodies attached) to the binary file `out`; what was written."""
    facts = ArchiveFacts()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    with zipfile.ZipFile(har_zip) as har:
        log = json.loads(har.read("har.har"))["log"]
        entries = log.get("entries") or []
        answered = [e for e in entries if (e.get("response") or {}).get("status", 0) > 0]
        facts.unanswered = len(entries) - len(answered)
        records = []
        for entry in answered:
            response = entry["response"]
            body = _body(response.get("content") or {}, har)
            cut = facts.body_bytes + len(body) > max_bytes
            if cut:
                facts.truncated += 1
                body = b""
            facts.body_bytes += len(body)
            records.append((entry, body, cut))
        creator = log.get("creator") or {}
        params = {
            "software": info.get("software", "moneytrail"),
            "format": "WARC File Format 1.1",
            "recorder": f"{creator.get('name', 'Playwright')} {creator.get('version', '')}".strip(),
            "description": info.get("description", ""),
            "json-metadata": json.dumps(
                {
                    **{k: v for k, v in info.items() if k not in ("software", "description")},
                    "max_body_bytes": max_bytes,
                    "bodies_cut": facts.truncated,
                    "unanswered_requests": facts.unanswered,
                }
            ),
        }
        writer.write_record(writer.create_warcinfo_record(info.get("filename", "visit.warc.gz"), params))
        for entry, body, cut in records:
            request = _request_record(writer, entry)
            response = _response_record(writer, entry, body, cut)
            writer.write_request_response_pair(request, response)
            facts.records += 2
            facts.exchanges += 1
    return facts


def warc_of(har_zip: Path, *, max_bytes: int, info: dict) -> tuple[bytes, ArchiveFacts]:
    """The gzipped WARC of a HAR zip, in memory (its bodies are bounded by `max_bytes`), and what it holds."""
    out = BytesIO()
    facts = har_to_warc(har_zip, out, max_bytes=max_bytes, info=info)
    return out.getvalue(), facts


def _response_record(writer: WARCWriter, entry: dict, body: bytes, cut: bool):
    response = entry["response"]
    headers = [
        (h["name"], h["value"]) for h in response.get("headers") or [] if h["name"].lower() not in SKIPPED_HEADERS
    ]
    http = StatusAndHeaders(
        f"{response['status']} {response.get('statusText') or 'No Reason'}",
        headers,
        protocol=_protocol(response.get("httpVersion")),
    )
    http.replace_header("Content-Length", str(len(body)))
    warc_headers = {"WARC-Date": _date(entry.get("startedDateTime", ""))}
    if entry.get("serverIPAddress"):
        warc_headers["WARC-IP-Address"] = entry["serverIPAddress"].strip("[]")
    if cut:
        warc_headers["WARC-Truncated"] = "length"
    return writer.create_warc_record(
        entry["request"]["url"],
        "response",
        payload=BytesIO(body),
        length=len(body),
        http_headers=http,
        warc_headers_dict={k: v for k, v in warc_headers.items() if v},
    )


def _request_record(writer: WARCWriter, entry: dict):
    request = entry["request"]
    parts = urlsplit(request["url"])
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [(h["name"], h["value"]) for h in request.get("headers") or [] if not h["name"].startswith(":")]
    if not any(name.lower() == "host" for name, _ in headers):
        headers.append(("Host", parts.netloc))
    body = ((request.get("postData") or {}).get("text") or "").encode("utf-8", "replace")
    line = f"{request.get('method', 'GET')} {target} {_protocol(request.get('httpVersion'))}"
    http = StatusAndHeaders(line, headers, is_http_request=True)
    return writer.create_warc_record(
        request["url"],
        "request",
        payload=BytesIO(body),
        length=len(body),
        http_headers=http,
        warc_headers_dict={"WARC-Date": _date(entry.get("startedDateTime", ""))},
    )
