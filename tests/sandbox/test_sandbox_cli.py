"""The `moneytrail sandbox` commands as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import signal
import ssl
import subprocess
import urllib.request

from helpers import run_cli, start_cli


def run(*args, **kw):
    return run_cli(*args, timeout=60, **kw)


def test_watchlist_writes_csv(tmp_path, world):
    out = run("sandbox", "watchlist")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == len(world.sites)
    assert set(rows[0]) == {"url", "name", "category", "country", "tags", "monthly_visits"}
    target = tmp_path / "w.csv"
    assert run("sandbox", "watchlist", "-o", str(target)).returncode == 0
    assert target.read_text().count("\n") == len(world.sites) + 1


def test_truth_writes_json(tmp_path, truth):
    target = tmp_path / "truth.json"
    out = run("sandbox", "truth", "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert json.loads(target.read_text()) == json.loads(json.dumps(truth))


def test_a_broken_world_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[sites]]\ndomain = 'x.test'\n")
    out = run("sandbox", "truth", "--world", str(bad))
    assert out.returncode == 2 and "error:" in out.stderr and "Traceback" not in out.stderr


def test_serve_prints_its_address_serves_and_stops_cleanly(tmp_path):
    events = tmp_path / "events.jsonl"
    proc = start_cli(
        "sandbox",
        "serve",
        "--port",
        "0",
        "--state-dir",
        tmp_path,
        "--events",
        events,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("sandbox ready on http://127.0.0.1:"), line + proc.stderr.read()
        address = line.split()[3]
        ca = ssl.create_default_context(cafile=str(tmp_path / "tls" / "sandbox-ca.pem"))
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({"http": address, "https": address}), urllib.request.HTTPSHandler(context=ca)
        )
        with opener.open("http://streamvf.test/", timeout=10) as resp:  # the mirror: 301 to https
            assert resp.status == 200 and resp.url == "https://streamvf-hd.test/"
            assert b"StreamVF HD" in resp.read()
        with opener.open("https://serve.popads.net/click?net=popads&s=streamvf-hd.test", timeout=10) as resp:
            assert resp.url.startswith("https://safetunnel-vpn.test/lp/")
        kinds = [json.loads(line)["kind"] for line in events.read_text().splitlines()]
        assert kinds == ["click", "landing"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert "sandbox stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_on_a_busy_port_says_so(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = run("sandbox", "serve", "--port", str(port), "--state-dir", str(tmp_path))
    assert out.returncode == 1 and "cannot listen" in out.stderr
