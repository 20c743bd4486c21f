"""The piracy (and clean) sites of the sandbox: home pages, inner content pages with a player, mirrors.

A page carries what the world says of its site: analytics ids, ad tags (home and/or inner pages),
miners, decoys; a cloaked site only writes its tags for browsers that do not look automated; a consent-gated
site runs them only once its consent banner was accepted (sandbox/consent.py).
"""

from __future__ import annotations

import html
import re

from . import cloaking, consent, decoys, miners, networks, prebid, weight
from .app import SandboxApp
from .http import Request, Response
from .networks import js_string
from .world import Site, World, stable_int

TITLES = {
    "series": [
        "Les Gardiens du Nord",
        "Nuit Blanche",
        "The Salt Road",
        "Iron Harbor",
        "Crown of Ash",
        "Midnight Dispatch",
        "Kitsune High",
        "Le Bureau des Ombres",
    ],
    "film": [
        "Le Dernier Train",
        "Solar Drift",
        "The Quiet Coast",
        "Neon Harvest",
        "Operation Tempest",
        "La Maison du Lac",
        "Glass Mountain",
        "Paper Wolves",
    ],
    "ddl": [
        "Le Dernier Train 1080p",
        "Solar Drift MULTI",
        "Iron Harbor S02 pack",
        "Office Suite 2026",
        "Racing Legends PC",
        "Neon Harvest 4K",
        "Glass Mountain VOSTFR",
        "Crown of Ash S01",
    ],
    "torrent": [
        "The Quiet Coast 2160p",
        "Nuit Blanche S03E05",
        "Operation Tempest WEB-DL",
        "Paper Wolves BluRay",
        "Kitsune High S01",
        "Photo Editor Pro 2026",
        "Neon Harvest x265",
        "Midnight Dispatch S02",
    ],
    "sports": [
        "Paris Atlantique vs Olympique Sud",
        "Real Costa vs Atletico Norte",
        "Finale Coupe des Lacs",
        "Grand Prix de la Riviera",
        "Derby du Nord",
        "Lakers Bay vs Boston Pines",
        "Open de Tennis",
        "Rugby: Bleus vs Verts",
    ],
    "iptv": [
        "Abonnement 3 mois",
        "Abonnement 6 mois",
        "Abonnement 12 mois",
        "Pack Sport 4K",
        "Pack Cinema",
        "Essai 24h",
        "Multi-ecrans x2",
        "Revendeur 100 credits",
    ],
    "clean": [
        "Documentaire: Les oceans",
        "Journal du soir",
        "Metropolis (1927)",
        "Nosferatu (1922)",
        "Concert du nouvel an",
        "Magazine sante",
        "The General (1926)",
        "Debat politique",
    ],
}
PATHS = {
    ("series", "fr"): "/serie/{slug}/saison-1/episode-{n}",
    ("series", "*"): "/series/{slug}/season-1/episode-{n}",
    ("film", "fr"): "/film/{slug}",
    ("film", "*"): "/movie/{slug}",
    ("ddl", "fr"): "/telecharger/{slug}",
    ("ddl", "*"): "/download/{slug}",
    ("torrent", "*"): "/torrent/{n}/{slug}",
    ("sports", "*"): "/match/{slug}",
    ("iptv", "fr"): "/abonnement/{slug}",
    ("iptv", "*"): "/plan/{slug}",
    ("clean", "*"): "/video/{slug}",
}
INNER_PAGES_PER_SITE = 2
STYLE = """body{margin:0;font-family:Arial,sans-serif;background:#14161c;color:#ddd}a{color:#7cc4ff}
header{background:#0b0c10;padding:12px 20px;display:flex;gap:20px;align-items:center}header h1{margin:0;font-size:22px}
main{max-width:1100px;margin:auto;padding:20px;min-height:2600px}.grid{display:grid;grid-template-columns:repeat(4,1fr);gap:14px}
.card{background:#222631;border-radius:6px;overflow:hidden;position:relative}.card img{width:100%;display:block}
.card span{display:block;padding:6px}
#player{width:800px;height:450px;background:#000;position:relative;margin:10px auto}
#player .play{position:absolute;left:50%;top:50%;transform:translate(-50%,-50%);font-size:60px;background:none;
color:#fff;border:0;cursor:pointer}
.ads{margin:16px 0;text-align:center}footer{padding:20px;color:#777;font-size:12px}
.unlock{position:fixed;left:50%;top:50%;transform:translate(-50%,-50%);background:#2b6;color:#fff;
padding:30px 40px;border-radius:10px;z-index:1000;font-size:20px;cursor:pointer}"""


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def inner_paths(site: Site) -> list[str]:
    """Paths of the content pages the home page links to, in page order."""
    pattern = PATHS.get((site.kind, site.lang)) or PATHS.get((site.kind, "*")) or PATHS[("film", "*")]
    titles = TITLES.get(site.kind, TITLES["film"])
    start = stable_int(site.domain, "titles") % len(titles)
    out = []
    for i in range(len(titles)):
        title = titles[(start + i) % len(titles)]
        out.append(pattern.format(slug=slugify(title), n=1 + (stable_int(site.domain, title) % 9)))
    return out


def analytics_snippet(site: Site) -> str:
    parts = []
    ga = site.ids.get("ga", "")
    if ga.startswith("G-"):
        parts.append(
            f'<script async src="https://www.googletagmanager.com/gtag/js?id={html.escape(ga)}"></script>'
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
            f"gtag('js',new Date());gtag('config',{js_string(ga)});</script>"
        )
    if ga.startswith("UA-"):
        parts.append(
            "<script>window.ga=window.ga||function(){(ga.q=ga.q||[]).push(arguments)};"
            f"ga('create',{js_string(ga)},'auto');ga('send','pageview');</script>"
            '<script async src="https://www.google-analytics.com/analytics.js"></script>'
        )
    if "gtm" in site.ids:
        parts.append(
            "<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),"
            "event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;"
            f"j.src='https://www.googletagmanager.com/gtm.js?id='+i;f.parentNode.insertBefore(j,f);}})"
            f"(window,document,'script','dataLayer',{js_string(site.ids['gtm'])});</script>"
        )
    return "\n".join(parts)


def ads_html(world: World, site: Site, page: str, headers: dict[str, str] | None = None) -> str:
    snippets = [networks.ad_snippet(world, site, ad) for ad in site.ads if page in ad.pages]
    if any(page in ad.pages for ad, _net in prebid.bidders(world, site)):
        snippets.append(prebid.snippet(world, site))
    tags = "\n".join(s for s in snippets if s)
    if tags and site.consent:
        tags = consent.gate(site, tags)  # the tags run only once the visitor accepted the CMP's banner
    return cloaking.gate(site, tags, headers) if tags else tags  # only for the visitors the site takes for people


def page(
    world: World,
    site: Site,
    page_kind: str,
    heading: str,
    content: str,
    headers: dict[str, str] | None = None,
    path: str = "/",
) -> str:
    extras = [miners.miner_snippet(world, site, m) for m in site.miners]
    extras += [decoys.decoy_snippet(world, site, d) for d in site.decoys]
    return f"""<!doctype html>
<html lang="{site.lang}"><head><meta charset="utf-8"><title>{html.escape(site.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style>
{consent.head(site)}
{analytics_snippet(site)}
{weight.head(site)}
</head><body>
<header><h1><a href="/">{html.escape(site.name)}</a></h1>
<form action="/search"><input name="q" placeholder="Rechercher / Search"></form><a href="/">Accueil</a></header>
<main><h2>{html.escape(heading)}</h2>
<div class="ads top">{ads_html(world, site, page_kind, headers)}</div>
{content}
{weight.body(site, page_kind, path)}
{"".join(extras)}
</main><footer>{html.escape(site.domain)} - aucun fichier n'est heberge sur ce serveur / no files hosted here</footer>
</body></html>"""


def home(world: World, site: Site, headers: dict[str, str] | None = None) -> str:
    cards = []
    titles = TITLES.get(site.kind, TITLES["film"])
    start = stable_int(site.domain, "titles") % len(titles)
    for i, path in enumerate(inner_paths(site)):
        title = titles[(start + i) % len(titles)]
        img = f"/img/{slugify(title)}.svg"
        cards.append(
            f'<div class="card"><a href="{html.escape(path)}"><img src="{img}" alt=""></a>'
            f'<span><a href="{html.escape(path)}">{html.escape(title)}</a></span></div>'
        )
    return page(world, site, "home", "Nouveautes / Latest", f'<div class="grid">{"".join(cards)}</div>', headers)


def inner(world: World, site: Site, path: str, headers: dict[str, str] | None = None) -> str:
    title = path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").title()
    extra = {
        "ddl": "<p><a href='https://uploadhaven-files.test/f/abc'>Lien 1 (1fichier)</a> "
        "<a href='https://uploadhaven-files.test/f/def'>Lien 2 (Uptobox)</a></p>",
        "torrent": f"<p><a href='magnet:?xt=urn:btih:{stable_int(path):040x}'>Magnet</a> Seeders: 1423</p>",
        "iptv": "<p>Prix: 59 EUR / 12 mois. Paiement PayPal, carte, crypto.</p>",
    }.get(site.kind, "")
    player = (
        f'<div id="player" class="video-player"><video width="800" height="450" poster="/img/{slugify(title)}.svg">'
        '</video><button class="play" aria-label="Play">&#9654;</button></div>'
        "<script>document.querySelector('#player .play').addEventListener('click',function(){"
        "this.textContent='...';});</script>"
    )
    content = f"{player}{extra}<p>Episode / film: {html.escape(title)}. Qualite HD, VF et VOSTFR.</p>"
    return page(world, site, "inner", title, content, headers, path)


class Sites:
    def __init__(self, app: SandboxApp, world: World):
        self.app = app
        self.world = world

    def register(self) -> None:
        for site in self.world.sites:
            if site.hostile:
                continue
            vhost = self.app.host(site.domain)
            self.app.http(vhost, "/", lambda req, s=site: Response.html(home(self.world, s, req.headers)))
            self.app.http(vhost, "/img/*", self.image)
            self.app.http(vhost, "/search", lambda req, s=site: Response.html(home(self.world, s, req.headers)))
            vhost.fallback = lambda req, s=site: self.inner_or_404(s, req)
            consent.register(self.app, vhost, site)
            if site.mirror_from:
                self.mirror(site)
        for host in ("www.googletagmanager.com", "www.google-analytics.com"):
            self.app.http(host, "/*", lambda req: Response.js("/* analytics (sandbox) */"))

    def inner_or_404(self, site: Site, req: Request) -> Response:
        own = weight.first_party(req) if weight.heavy(site) else None
        if own is not None:
            return own
        prefixes = {"/" + p.split("/")[1] + "/" for p in inner_paths(site)}
        if any(req.path.startswith(p) for p in prefixes):
            return Response.html(inner(self.world, site, req.path, req.headers))
        return Response.not_found()

    def image(self, req: Request) -> Response:
        name = req.path.rsplit("/", 1)[-1].removesuffix(".svg").replace("-", " ")
        return Response(body=networks.banner_svg(name.title(), 260, 146, name), content_type="image/svg+xml")

    def mirror(self, site: Site) -> None:
        old = site.mirror_from["domain"]
        if site.mirror_from["via"] == "http":
            self.app.http(old, "/*", lambda req: Response.redirect(f"https://{site.domain}{req.target}", 301))
        else:
            self.app.http(
                old,
                "/*",
                lambda req: Response.html(
                    f"<title>Nouvelle adresse</title><p>Nous avons demenage: {html.escape(site.domain)}</p>"
                    f"<script>location.replace('https://{site.domain}' + location.pathname)</script>"
                ),
            )


def register(app: SandboxApp, world: World) -> None:
    Sites(app, world).register()
