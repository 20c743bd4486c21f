"""Dead and hostile sites of the sandbox: every one must end a crawl with a recorded status, never stall it.

Each site of kind "hostile" in the world has a `behaviour`; `register()` serves it on the site's domain
(http and https alike: the server dispatches by Host) and `hostile_truth()` says what a crawler should see.
Pages that load at all look like small piracy pages (title, links, a player) so that only the behaviour,
not the page, is unusual.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from .app import SandboxApp, VirtualHost
from .http import Request, Response
from .world import Site, World

SLOW_SECONDS = 30.0
DIALOG_ROUNDS = 12  # each round is one alert, one confirm and one prompt
POPUPS_ON_CLICK = 50
POPUPS_ON_LOAD = 3
HISTORY_PUSHES = 50
HUGE_PAGE_BYTES = 20 * 1024 * 1024
DOWNLOAD_PATH = "/download/player_setup.exe"
INNER_PAGES = {"/film/1": "Film 1 - streaming HD", "/series/1": "Series 1 - all episodes"}

FAKE_INSTALLER = (b"MZ" + b"\0" * 62 + b"moneytrail sandbox fake installer: never run\n").ljust(4096, b"\0")

# --- scripts: each runs on every page of its site ---------------------------------------------------------

INFINITE_LOOP_JS = """
window.addEventListener('load', function () {
  setTimeout(function () { while (true) {} }, 0);  // after load: the document exists, then nothing answers
});"""

DIALOG_STORM_JS = f"""
(function () {{
  function storm() {{
    for (var i = 1; i <= {DIALOG_ROUNDS}; i++) {{
      alert('Your HD stream is ready (' + i + ')');
      confirm('Allow notifications to keep watching?');
      prompt('Enter your e-mail to unlock HD', '');
    }}
  }}
  window.addEventListener('load', storm);
  document.addEventListener('click', storm);
}})();"""

POPUP_STORM_JS = f"""
(function () {{
  var fired = false;
  window.addEventListener('load', function () {{
    for (var i = 1; i <= {POPUPS_ON_LOAD}; i++) window.open('/p/load-' + i, '_blank');
  }});
  document.addEventListener('click', function () {{
    if (fired) return;
    fired = true;
    for (var i = 1; i <= {POPUPS_ON_CLICK}; i++) window.open('/p/' + i, '_blank');
  }}, true);
}})();"""

BEFOREUNLOAD_TRAP_JS = f"""
(function () {{
  window.addEventListener('beforeunload', function (e) {{
    e.preventDefault();
    e.returnValue = 'Leave now? Your stream will stop.';
    return e.returnValue;
  }});
  window.addEventListener('load', function () {{
    for (var i = 1; i <= {HISTORY_PUSHES}; i++) history.pushState({{stay: i}}, '', '#stay-' + i);
  }});
  window.addEventListener('popstate', function () {{ history.pushState({{stay: 0}}, '', '#stay-again'); }});
}})();"""

FILE_DOWNLOAD_JS = f"""
window.addEventListener('load', function () {{
  setTimeout(function () {{ location.href = '{DOWNLOAD_PATH}'; }}, 200);
}});"""


# --- pages --------------------------------------------------------------------------------------------------


def site_name(site: Site) -> str:
    """A brand for the page ('loopflix.test' -> 'Loopflix')."""
    return site.domain.removesuffix(".test").replace("-", " ").title()


def page(site: Site, heading: str, *, script: str = "", player: str | None = None, extra: str = "") -> str:
    """A small piracy page: title, navigation links, a player, a list of titles, then the site's script."""
    name = html.escape(site_name(site))
    if player is None:
        player = '<div id="player"><button>&#9654; Play</button></div>'
    links = "".join(f'<li><a href="{path}">{html.escape(title)}</a></li>' for path, title in INNER_PAGES.items())
    return (
        f'<!doctype html>\n<html lang="{site.lang}"><head><meta charset="utf-8">'
        f"<title>{name} - {html.escape(heading)}</title></head>\n<body>\n"
        f'<header><a href="/">{name}</a> <nav><a href="/">Home</a> <a href="/film/1">Films</a> '
        f'<a href="/series/1">Series</a></nav></header>\n'
        f"<main><h1>{html.escape(heading)}</h1>\n{player}\n<ul>{links}</ul>{extra}</main>\n"
        + (f"<script>{script}</script>\n" if script else "")
        + "</body></html>\n"
    )


def serve_pages(
    app: SandboxApp,
    site: Site,
    *,
    script: str = "",
    player: str | None = None,
    home_delay: float = 0.0,
    home: Callable[[], bytes] | None = None,
) -> VirtualHost:
    """Serve `/` (after `home_delay` seconds; `home()` builds its body if given) and the inner pages of
    `site`, each carrying `script`. Any other path is a 404."""
    vhost = app.host(site.domain)
    body = None if home else page(site, "Watch free in HD", script=script, player=player).encode()
    app.http(vhost, "/", lambda req: Response(body=home() if home else body, delay=home_delay))
    for path, title in INNER_PAGES.items():
        app.static(vhost, path, Response.html(page(site, title, script=script, player=player)))
    return vhost


# --- behaviours ---------------------------------------------------------------------------------------------


def _refuse(app: SandboxApp, site: Site) -> None:
    app.host(site.domain).refuse = True


def _no_such_host(app: SandboxApp, site: Site) -> None:
    """Nothing registered: the proxy answers 502 'sandbox: no such host'."""


def _server_error(app: SandboxApp, site: Site) -> None:
    error = Response(status=500, body="<h1>500 Internal Server Error</h1><p>nginx</p>")
    app.host(site.domain).fallback = lambda req: error


def _slow_response(app: SandboxApp, site: Site) -> None:
    serve_pages(app, site, home_delay=SLOW_SECONDS)


def _script_site(script: str) -> Callable[[SandboxApp, Site], None]:
    """A behaviour that is only a script on every page."""
    return lambda app, site: serve_pages(app, site, script=script)


def _popup_storm(app: SandboxApp, site: Site) -> None:
    vhost = serve_pages(app, site, script=POPUP_STORM_JS)

    def popup(req: Request) -> Response:
        n = html.escape(req.path.rsplit("/", 1)[-1])
        return Response.html(f"<!doctype html><title>Offer {n}</title><h1>You are our winner! (popup {n})</h1>")

    app.http(vhost, "/p/*", popup)


def _redirect_loop(app: SandboxApp, site: Site) -> None:
    vhost = app.host(site.domain)
    for path, target in (("/", "/a"), ("/a", "/b"), ("/b", "/")):
        app.static(vhost, path, Response.redirect(target))
    vhost.fallback = lambda req: Response.redirect("/")


def _file_download(app: SandboxApp, site: Site) -> None:
    player = (
        f'<div id="player"><a href="{DOWNLOAD_PATH}">&#9654; Play - install the HD codec first '
        f"(player_setup.exe)</a></div>"
    )
    vhost = serve_pages(app, site, script=FILE_DOWNLOAD_JS, player=player)
    installer = Response(
        body=FAKE_INSTALLER,
        content_type="application/octet-stream",
        headers=[("Content-Disposition", 'attachment; filename="player_setup.exe"')],
    )

    def download(req: Request) -> Response:
        app.log("hostile_download", host=req.host, path=req.path)
        return installer

    app.http(vhost, DOWNLOAD_PATH, download)


_huge_pages: dict[str, bytes] = {}


def huge_page(site: Site) -> bytes:
    """A page of HUGE_PAGE_BYTES or a little more: a catalogue of links plus a big inline JSON blob, as on
    sites that embed their whole catalogue. Built on first use, once per domain, and kept."""
    if site.domain not in _huge_pages:
        _huge_pages[site.domain] = _build_huge_page(site)
    return _huge_pages[site.domain]


def _build_huge_page(site: Site) -> bytes:
    rows = "".join(f'<li><a href="/film/{i}">Film {i} - streaming VF HD</a></li>' for i in range(1, 2001))
    head = page(site, "Full catalogue", extra=f"<ul>{rows}</ul>").encode()
    head, tail = head.rsplit(b"</body>", 1)
    item = b'{"id":123456,"title":"Film streaming VF HD","poster":"/img/poster.jpg","quality":"1080p"},'
    open_, close = b'<script type="application/json" id="catalogue">[', b"{}]</script>\n</body>"
    count = -(-(HUGE_PAGE_BYTES - len(head) - len(open_) - len(close) - len(tail)) // len(item))
    return b"".join((head, open_, item * count, close, tail))


def _huge_page(app: SandboxApp, site: Site) -> None:
    serve_pages(app, site, home=lambda: huge_page(site))


@dataclass(frozen=True)
class Behaviour:
    status: str  # "dead": nothing to analyse; "hostile": a page that fights the crawler
    expect: str  # what a good crawler does, in a few words
    install: Callable[[SandboxApp, Site], None]


BEHAVIOURS: dict[str, Behaviour] = {
    "connection_refused": Behaviour(
        "dead", "proxy answers 502 'sandbox: connection refused' (to CONNECT too); record dead, move on", _refuse
    ),
    "no_such_host": Behaviour(
        "dead", "proxy answers 502 'sandbox: no such host' (to CONNECT too); record dead, move on", _no_such_host
    ),
    "server_error": Behaviour("dead", "HTTP 500 on every path; record dead", _server_error),
    "slow_response": Behaviour(
        "hostile", f"home page answers after {SLOW_SECONDS:.0f} s; time out and record it", _slow_response
    ),
    "infinite_loop": Behaviour(
        "hostile",
        "page loads, then a script spins forever; bound evaluation, close the page",
        _script_site(INFINITE_LOOP_JS),
    ),
    "dialog_storm": Behaviour(
        "hostile",
        f"{DIALOG_ROUNDS * 3} alert/confirm/prompt dialogs on load and on click; dismiss them all",
        _script_site(DIALOG_STORM_JS),
    ),
    "popup_storm": Behaviour(
        "hostile",
        f"{POPUPS_ON_LOAD} popups on load, {POPUPS_ON_CLICK} on the first click; cap and close them",
        _popup_storm,
    ),
    "redirect_loop": Behaviour("hostile", "/ -> /a -> /b -> / (302) forever; stop at a redirect limit", _redirect_loop),
    "beforeunload_trap": Behaviour(
        "hostile",
        "beforeunload asks to stay, history pushState spam; leave without running beforeunload",
        _script_site(BEFOREUNLOAD_TRAP_JS),
    ),
    "file_download": Behaviour(
        "hostile", "auto-starts a fake codec .exe download; record it, never save or open it", _file_download
    ),
    "huge_page": Behaviour("hostile", "a 20 MiB HTML page; cap what is kept, still finish the visit", _huge_page),
}


def register(app: SandboxApp, world: World) -> None:
    """Serve every hostile site of `world` with its behaviour."""
    for site in world.sites:
        if site.hostile:
            BEHAVIOURS[site.behaviour].install(app, site)


def hostile_truth(world: World, site: Site) -> dict:
    """What a crawler should record for a hostile site: status (dead|hostile), behaviour, expectation."""
    if not site.hostile:
        raise ValueError(f"{site.domain} is not a hostile site")
    behaviour = BEHAVIOURS[site.behaviour]
    return {"status": behaviour.status, "behaviour": site.behaviour, "expect": behaviour.expect}
