"""Heavy pages: a WordPress streaming theme's page, 100+ things to load, every one of which the sandbox answers,
and nothing in them that the truth of the same site made light would not have."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from moneytrail.sandbox import sites, weight
from moneytrail.sandbox.build import build_app
from moneytrail.sandbox.http import Request
from moneytrail.sandbox.world import WORLD_FILE, WorldError, load_world

WORLD = load_world()
HEAVY = [s for s in WORLD.sites if weight.heavy(s)]


@pytest.fixture(scope="module")
def app():
    return build_app(WORLD)


def call(app, url: str, method: str = "GET", body: bytes = b""):
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return asyncio.run(app.respond(Request(method, "https", parts.hostname, 443, target, {}, body=body)))


def resources(page_html: str, base: str) -> list[str]:
    """What a browser would load from the page's markup alone (lazy images by their data-src)."""
    soup = BeautifulSoup(page_html, "html.parser")
    found = [urljoin(base, t["href"]) for t in soup.find_all("link", rel="stylesheet")]
    found += [urljoin(base, t["src"]) for t in soup.find_all("script", src=True)]
    for img in soup.find_all("img"):
        src = img.get("data-src") or img.get("src")
        if src and not src.startswith("data:"):
            found.append(urljoin(base, src))
    return found


def test_the_world_has_heavy_sites_of_several_kinds_and_a_clean_one():
    assert len(HEAVY) >= 5
    assert len({s.kind for s in HEAVY}) >= 4
    assert any(s.kind == "clean" for s in HEAVY)  # no finding may come from weight alone


@pytest.mark.parametrize("site", HEAVY, ids=lambda s: s.domain)
def test_a_heavy_page_asks_for_a_hundred_things_and_each_is_answered(app, site):
    home_url = f"https://{site.domain}/"
    inner_url = f"https://{site.domain}{sites.inner_paths(site)[0]}"
    for url, least in ((home_url, 90), (inner_url, 80)):
        response = call(app, url)
        assert response.status == 200
        page_html = response.body.decode() if isinstance(response.body, bytes) else response.body
        wanted = [u for u in resources(page_html, url) if urlsplit(u).hostname in weight.HOSTS + (site.domain,)]
        assert len(wanted) >= least, url  # from the markup alone: scripts add the rest (load more, beacons)
        for resource in set(wanted):
            answer = call(app, resource)
            assert answer.status == 200, resource
        kinds = {urlsplit(u).hostname for u in wanted}
        assert {"image.tmdb.org", "fonts.googleapis.com", "cdn.jsdelivr.net", site.domain} <= kinds


def test_posters_are_real_jpegs_of_tmdb_sizes(app):
    from io import BytesIO

    from PIL import Image

    for size, width in (("w92", 92), ("w185", 185)):
        answer = call(app, f"https://image.tmdb.org/t/p/{size}/{weight.tmdb_id('x.test', 'home', 1)}.jpg")
        image = Image.open(BytesIO(answer.body))
        assert (image.format, image.size) == ("JPEG", (width, width * 3 // 2))
    for size in ("original", "w0", "w99999", "wx"):
        assert call(app, f"https://image.tmdb.org/t/p/{size}/x.jpg").status == 404


def test_load_more_answers_posters_and_counters_answer_numbers(app):
    site = HEAVY[0]
    more = call(app, f"https://{site.domain}/wp-admin/admin-ajax.php", "POST", b"action=load_more&paged=2")
    posters = json.loads(more.body)
    assert len(posters) == weight.MORE_POSTERS
    assert all(p.startswith("https://image.tmdb.org/t/p/w185/") for p in posters)
    views = call(app, f"https://{site.domain}/wp-admin/admin-ajax.php", "POST", b"action=dt_views_count")
    assert json.loads(views.body)["success"] is True
    assert call(app, f"https://{site.domain}/cdn-cgi/rum", "POST", b"{}").status == 204


def test_a_light_site_has_none_of_it(app):
    light = next(s for s in WORLD.sites if not s.hostile and not weight.heavy(s))
    page_html = call(app, f"https://{light.domain}/").body
    page_html = page_html.decode() if isinstance(page_html, bytes) else page_html
    assert "image.tmdb.org" not in page_html and "/wp-content/" not in page_html
    assert call(app, f"https://{light.domain}/wp-includes/js/jquery/jquery.min.js").status == 404


def test_no_host_a_heavy_page_loads_is_an_ad_network_or_a_miner():
    """So a heavy site's truth is that of the same site made light: its weight adds no network and no miner."""
    from moneytrail.attribution.signatures import load

    sigs = load()
    for host in weight.HOSTS:
        network, miner, _ = sigs.host(host)
        assert (network, miner) == (None, None), host


@pytest.mark.parametrize("bad", ["feather", "HEAVY", ""])
def test_an_unknown_weight_is_refused_with_the_site_named(tmp_path, bad):
    source = WORLD_FILE.read_text(encoding="utf-8")
    path = tmp_path / "world.toml"
    path.write_text(source.replace('weight = "heavy"', f"weight = {json.dumps(bad)}", 1), encoding="utf-8")
    with pytest.raises(WorldError, match=f"{HEAVY[0].domain}.*weight"):
        load_world(path)
