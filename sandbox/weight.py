"""Page weight: what makes a real piracy page ask for a hundred or more things, for the sites the world marks
`weight = "heavy"`.

The shape is that of the WordPress streaming themes most such sites run: the theme's and its plugins' files
under `/wp-content/`, WordPress's own jQuery under `/wp-includes/`, poster thumbnails from TMDB's image
server (`image.tmdb.org/t/p/<size>/<id>.jpg`) loaded lazily with lazysizes (`class="lazyload"` and
`data-src`) as the page scrolls, more posters fetched through `/wp-admin/admin-ajax.php` near the bottom,
Google Fonts, Gravatar avatars under comments, and Cloudflare's Web Analytics beacon (its script on
`static.cloudflareinsights.com` posts to the site's own `/cdn-cgi/rum`).

The mix follows the WhoTracks.me page sample (AdGuard urlfilter's test set): of the requests of frames
making 100 or more, about half are images, 29% scripts, 9% XHR, 3% stylesheets, 2% fonts, 2% beacons. A heavy
home page makes about 130 requests of its own on top of its ad tags, an inner page about 100. jQuery and
lazysizes are the real npm packages (sandbox/thirdparty.py); the rest is written here. None of these hosts is
an ad network or carries a publisher id: the truth of a heavy site is that of the same site made light.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
from functools import cache
from urllib.parse import parse_qs

from . import thirdparty
from .app import SandboxApp
from .http import Request, Response
from .world import Site, World, stable_int

THEME = "/wp-content/themes/cinestream"
WP_VERSION = "6.6.2"
PLUGINS = (  # small plugins a streaming theme runs, each its own script file
    "star-rating",
    "comments-ajax",
    "live-search",
    "report-broken-link",
    "like-dislike",
    "social-share",
    "cookie-notice",
    "watch-later",
    "episode-tracker",
    "related-slider",
    "dark-mode",
    "user-menu",
    "quality-badges",
    "trailer-modal",
    "back-to-top",
    "schema-rich",
    "lightbox",
    "sticky-header",
    "season-tabs",
    "server-switch",
    "subtitle-picker",
    "favorites",
    "notifications",
    "lang-switch",
    "view-counter",
    "spoiler-blur",
    "player-resume",
    "infinite-menu",
)
FONT_WEIGHTS = (400, 500, 700)
LANG_FLAGS = ("fr", "en", "es", "de", "it", "pt")
HOME_POSTERS = 48  # of which EAGER_POSTERS load at once, the rest as they scroll into view
INNER_POSTERS = 24
EAGER_POSTERS = 12
TOP_POSTERS = 10  # the sidebar's top 10, small and eager
MORE_POSTERS = 12  # what admin-ajax's "load more" adds near the bottom of the home page
AVATARS = 16  # comments under an inner page's player
TMDB_SIZES = ("w92", "w154", "w185", "w342", "w500", "w780")  # the poster widths TMDB's image server has
HOSTS = (  # the hosts heavy pages load from, besides the site itself
    "image.tmdb.org",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "secure.gravatar.com",
    "static.cloudflareinsights.com",
    thirdparty.CDN_HOST,
)
CACHE = [("Cache-Control", "public, max-age=86400")]


def heavy(site: Site) -> bool:
    return site.weight == "heavy"


def tmdb_id(domain: str, what: str, n: int) -> str:
    """A poster's file name as TMDB names them: 27 letters and digits."""
    digest = hashlib.sha256(f"{domain}:{what}:{n}".encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:27])


def poster(site: Site, what: str, n: int, size: str, lazy: bool) -> str:
    src = f"https://image.tmdb.org/t/p/{size}/{tmdb_id(site.domain, what, n)}.jpg"
    if lazy:
        return f'<img class="lazyload" data-src="{src}" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">'
    return f'<img src="{src}" alt="">'


def head(site: Site) -> str:
    """Stylesheets, fonts and the scripts WordPress puts in the head."""
    if not heavy(site):
        return ""
    v = WP_VERSION
    return "\n".join(
        [
            f'<link rel="stylesheet" href="/wp-includes/css/dist/block-library/style.min.css?ver={v}">',
            f'<link rel="stylesheet" href="{THEME}/assets/css/front.style.min.css?ver=2.5.5">',
            f'<link rel="stylesheet" href="{THEME}/assets/css/colors.min.css?ver=2.5.5">',
            '<link rel="stylesheet" href="/wp-content/plugins/star-rating/css/rating.min.css?ver=1.4">',
            '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto:400,500,700&display=swap">',
            '<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"></script>',
            f'<script src="/wp-includes/js/wp-emoji-release.min.js?ver={v}"></script>',
        ]
    )


def sidebar(site: Site) -> str:
    top = "".join(poster(site, "top", n, "w92", lazy=False) for n in range(TOP_POSTERS))
    flags = "".join(f'<img src="{THEME}/assets/img/flags/{lang}.png" alt="{lang}">' for lang in LANG_FLAGS)
    return f'<aside class="top10">{top}</aside><div class="flags">{flags}</div>'


def body(site: Site, page_kind: str, path: str = "/") -> str:
    """The page's weight below its content: posters (lazy past the first ones), avatars, the theme's and its
    plugins' scripts, lazysizes and the analytics beacon."""
    if not heavy(site):
        return ""
    if page_kind == "home":
        count, what = HOME_POSTERS, "home"
    else:
        count, what = INNER_POSTERS, f"related:{path}"
    posters = "".join(poster(site, what, n, "w185", lazy=n >= EAGER_POSTERS) for n in range(count))
    parts = [f'<section class="posters" id="posters">{posters}</section>', sidebar(site)]
    if page_kind != "home":
        avatars = "".join(
            f'<img class="avatar" src="https://secure.gravatar.com/avatar/'
            f'{hashlib.md5(f"{site.domain}:{path}:{n}".encode()).hexdigest()}?s=50&d=mm&r=g" alt="">'
            for n in range(AVATARS)
        )
        parts.append(f'<section class="comments">{avatars}</section>')
    config = {"ajaxurl": "/wp-admin/admin-ajax.php", "page": page_kind, "more": page_kind == "home"}
    parts.append(f"<script>var streamTheme={html.escape(json.dumps(config), quote=False)};</script>")
    parts.append(f'<script src="{THEME}/assets/js/front.scripts.min.js?ver=2.5.5"></script>')
    parts += [
        f'<script src="/wp-content/plugins/{name}/js/{name}.min.js?ver=1.0.{i}"></script>'
        for i, name in enumerate(PLUGINS)
    ]
    parts.append(f'<script src="{thirdparty.cdn_url("lazysizes", "lazysizes.min.js")}" async></script>')
    token = hashlib.sha256(f"cf-beacon:{site.domain}".encode()).hexdigest()[:32]
    parts.append(
        '<script defer src="https://static.cloudflareinsights.com/beacon.min.js" '
        f'data-cf-beacon=\'{{"token": "{token}"}}\'></script>'
    )
    return "\n".join(parts)


# --- what the pages load ---------------------------------------------------------------------------------------
THEME_SCRIPT = """(function($){
  var cfg = window.streamTheme || {}, asked = {};
  function ajax(action, data){ return $.post(cfg.ajaxurl, $.extend({action: action}, data || {})); }
  $(function(){
    ajax('dt_views_count', {page: cfg.page});
    ajax('dt_most_viewed');
    $.getJSON('/wp-json/wp/v2/categories?per_page=20');
    $.getJSON('/wp-json/wp/v2/pages?slug=menu');
    $('.posters img').each(function(i){ $(this).attr('loading', i < 6 ? 'eager' : 'lazy'); });
    $(window).on('scroll', function(){
      var bottom = $(window).scrollTop() + $(window).height() > $(document).height() - 900;
      if (cfg.more && bottom && !asked.more){
        asked.more = true;
        ajax('load_more', {paged: 2}).done(function(items){
          $.each(items || [], function(_, src){ $('#posters').append($('<img alt="">').attr('src', src)); });
        });
      }
      if (!asked.seen && $(window).scrollTop() > 400){ asked.seen = true; ajax('dt_seen', {page: cfg.page}); }
    });
  });
})(jQuery);
"""

PLUGIN_SCRIPT = """(function($){
  var name = %(name)s, key = 'wp-' + name;
  $(function(){
    var state = {}; try { state = JSON.parse(localStorage.getItem(key) || '{}'); } catch (e) {}
    state.seen = (state.seen || 0) + 1;
    try { localStorage.setItem(key, JSON.stringify(state)); } catch (e) {}
    $('body').addClass('has-' + name).attr('data-' + name, state.seen);
    $('a').slice(0, 40).each(function(){ $(this).data(name, this.href.length); });
  });
})(jQuery);
"""

EMOJI_SCRIPT = """(function(w, d){
  var c = d.createElement('canvas'), x = c.getContext && c.getContext('2d');
  if (x) { x.textBaseline = 'top'; x.font = '600 32px Arial'; x.fillText('\\ud83c\\udff3', 0, 0); }
  w._wpemojiSettings = {supports: {everything: !!x}};
})(window, document);
"""

BEACON_SCRIPT = """(function(){
  var s = document.currentScript, cfg = {};
  try { cfg = JSON.parse(s.getAttribute('data-cf-beacon') || '{}'); } catch (e) {}
  function send(kind){
    var t = performance.timing || {};
    var body = JSON.stringify({token: cfg.token, kind: kind, location: location.href,
      timings: {load: (t.loadEventEnd || 0) - (t.navigationStart || 0)}});
    if (navigator.sendBeacon) navigator.sendBeacon('/cdn-cgi/rum?', body);
  }
  addEventListener('load', function(){ setTimeout(function(){ send('load'); }, 50); });
  addEventListener('pagehide', function(){ send('hide'); });
})();
"""


@cache
def jpeg(width: int, height: int, shade: int) -> bytes:
    """A poster-sized JPEG: a gradient with a band, so each decodes as a real picture would."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (20 + shade, 30, 60 + shade))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 4):
        draw.line([(0, y), (width, y)], fill=(20 + shade + y % 90, 40 + y % 70, 90 + shade // 2))
    draw.rectangle([0, height * 2 // 3, width, height], fill=(shade, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@cache
def png(size: int, shade: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), (shade, 120, 200 - shade)).save(out, "PNG")
    return out.getvalue()


def tmdb(req: Request) -> Response:
    """`/t/p/<size>/<id>.jpg`: TMDB's poster sizes are widths, posters are 2:3; other sizes are not found."""
    parts = req.path.split("/")
    if len(parts) != 5 or parts[3] not in TMDB_SIZES or not parts[4].endswith(".jpg"):
        return Response.not_found()
    width = int(parts[3][1:])
    body = jpeg(width, width * 3 // 2, stable_int(parts[4]) % 8 * 16)
    return Response(body=body, content_type="image/jpeg", headers=CACHE)


def google_fonts_css(req: Request) -> Response:
    faces = "".join(
        "@font-face{font-family:'Roboto';font-style:normal;"
        f"font-weight:{w};font-display:swap;src:url(https://fonts.gstatic.com/s/roboto/v32/roboto-{w}.woff2) "
        "format('woff2');}"
        for w in FONT_WEIGHTS
    )
    return Response(body=faces, content_type="text/css; charset=utf-8", headers=CACHE)


def theme_css(req: Request) -> Response:
    weights = "".join(f".w{w}{{font-family:Roboto,Arial,sans-serif;font-weight:{w}}}" for w in FONT_WEIGHTS)
    css = (
        "body,h2,aside{font-family:Roboto,Arial,sans-serif}h1,h2{font-weight:700}aside{font-weight:500}"
        ".posters{display:grid;grid-template-columns:repeat(6,1fr);gap:8px}.posters img{width:100%;"
        "aspect-ratio:2/3}.top10 img{width:46px;margin:2px}.avatar{width:50px;height:50px;border-radius:50%}"
        f"{weights}"
    )
    return Response(body=css, content_type="text/css; charset=utf-8", headers=CACHE)


def first_party(req: Request) -> Response | None:
    """The heavy site's own files under /wp-includes/, /wp-content/, /wp-json/, /wp-admin/ and /cdn-cgi/, or
    None for any other path."""
    path = req.path
    if path == "/wp-includes/js/jquery/jquery.min.js":
        return Response(
            body=thirdparty.package_file("jquery", "dist/jquery.min.js").read_bytes(),
            content_type=thirdparty.CONTENT_TYPES[".js"],
            headers=CACHE,
        )
    if path.startswith("/wp-includes/js/wp-emoji-release"):
        return Response.js(EMOJI_SCRIPT, headers=CACHE)
    if path.endswith(".css") and path.startswith(("/wp-includes/", "/wp-content/")):
        return theme_css(req)
    if path == f"{THEME}/assets/js/front.scripts.min.js":
        return Response.js(THEME_SCRIPT, headers=CACHE)
    if path.startswith("/wp-content/plugins/") and path.endswith(".min.js"):
        name = path.split("/")[3]
        if name in PLUGINS:
            return Response.js(PLUGIN_SCRIPT % {"name": json.dumps(name)}, headers=CACHE)
    if path.startswith(f"{THEME}/assets/img/flags/") and path.endswith(".png"):
        return Response(body=png(24, stable_int(path) % 200), content_type="image/png", headers=CACHE)
    if path == "/wp-admin/admin-ajax.php":
        return admin_ajax(req)
    if path.startswith("/wp-json/wp/v2/"):
        items = [{"id": n, "name": f"item {n}", "count": stable_int(path, str(n)) % 400} for n in range(8)]
        return Response.json(items)
    if path == "/cdn-cgi/rum":
        return Response(status=204, body="")
    return None


def admin_ajax(req: Request) -> Response:
    """WordPress's AJAX endpoint: the theme's view counters, and the posters `load_more` adds."""
    form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
    if form.get("action") == "load_more":
        host = req.host.lower()
        return Response.json(
            [f"https://image.tmdb.org/t/p/w185/{tmdb_id(host, 'more', n)}.jpg" for n in range(MORE_POSTERS)]
        )
    return Response.json({"success": True, "data": stable_int(req.host, form.get("action", "")) % 100_000})


def register(app: SandboxApp, world: World) -> None:
    """The hosts heavy pages load from (only when the world has a heavy site)."""
    if not any(heavy(s) for s in world.sites):
        return

    def poster_served(req: Request) -> Response:
        response = tmdb(req)
        if response.status == 200:  # what a test compares with what the crawl recorded
            app.log("poster", url=req.url, referer=req.headers.get("referer", ""))
        return response

    app.http("image.tmdb.org", "/t/p/*", poster_served)
    app.http("fonts.googleapis.com", "/css", google_fonts_css)
    # not a real font: the browser fetches it, then refuses it as it would a font it cannot decode (its request,
    # what a page's weight is about here, is made all the same)
    app.http("fonts.gstatic.com", "/s/*", lambda req: Response(body=b"wOF2" + bytes(2044), content_type="font/woff2"))
    app.http(
        "secure.gravatar.com",
        "/avatar/*",
        lambda req: Response(body=png(50, stable_int(req.path) % 200), content_type="image/png", headers=CACHE),
    )
    app.http("static.cloudflareinsights.com", "/beacon.min.js", lambda req: Response.js(BEACON_SCRIPT, headers=CACHE))
