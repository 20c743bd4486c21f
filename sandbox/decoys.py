"""Benign look-alikes of miners that a careless detector may flag, and the truth about them.

- `wasm_decoder`: the page fetches `/static/wasm/thumbs.wasm` from its own host, instantiates it on the
  main thread and decodes a run-length encoded 16x16 thumbnail into `<canvas id="thumb-decoder">`, which
  then carries `data-decoded="ok"`;
- `chat_websocket`: a live chat box `<div id="chat-box">` fed by `wss://chat.<site domain>/socket`
  (`join` a room, then `{"type": "msg", "user", "text"}` messages): WebSocket and JSON, no mining shape;
- `share_popup`: a first-party "share to unlock HD" box that opens a popup on the site's own `/share` page
  when clicked: a popup, but no ad.

And decoys running real npm code (sandbox/thirdparty.py, loaded from the CDN host):
- `wasm_checksum`: hash-wasm's SHA-256 (wasm compiled in the page) over the site's `/static/files/release.nfo`,
  shown in `<div id="checksum">` (`data-verified="ok"` once done);
- `wasm_image_codec`: @jsquash/webp (libwebp in wasm) decodes the site's `/static/img/poster.webp` into
  `<canvas id="poster-webp">` (`data-decoded="ok"`);
- `socketio_chat`: a live chat `<div id="live-chat">`, socket.io-client against the Socket.IO server of
  `live.<site domain>` (python-socketio, sandbox/livechat.py).

The kinds are world.DECOYS.
"""

from __future__ import annotations

import asyncio
import base64
import html
import io
from functools import cache

from PIL import Image

from . import livechat, thirdparty
from .app import SandboxApp
from .http import Request, Response, WebSocket
from .miners import render_asset
from .wasm import module_bytes, module_sha256
from .world import DECOYS, Site, World

THUMBS_PATH = "/static/wasm/thumbs.wasm"
THUMB_SIZE = 16
PALETTE = [[24, 24, 32], [220, 60, 50], [250, 250, 250], [90, 90, 110]]  # index -> RGB
CHAT_ROOM = "general"
CHAT_DELAY = 0.15  # seconds between two chat messages
SHARE_PATH = "/share"
RELEASE_PATH = "/static/files/release.nfo"
POSTER_PATH = "/static/img/poster.webp"
POSTER_SIZE = (48, 27)
HASH_WASM_SHA256 = ("hash-wasm", "dist/sha256.umd.min.js")
WEBP_DECODER = ("@jsquash/webp", "decode.js")
WEBP_WASM = ("@jsquash/webp", "codec/dec/webp_dec.wasm")
SOCKET_IO = ("socket.io-client", "dist/socket.io.min.js")
SHARE_POPUP = (
    "<div class='unlock' id='share-unlock'>Partagez pour debloquer la HD / Share to unlock HD</div>"
    "<script>document.getElementById('share-unlock').addEventListener('click',function(){"
    f"window.open('{SHARE_PATH}?u='+encodeURIComponent(location.href),'share','width=600,height=420');"
    "this.remove();});</script>"
)
CHAT_LINES = {
    "en": [
        ("mike_77", "anyone else buffering?"),
        ("sara", "stream is fine here"),
        ("mod_bot", "be nice in chat"),
        ("jj", "what a goal!!"),
    ],
    "fr": [
        ("kevin93", "ca lag chez vous ?"),
        ("lea", "nickel ici"),
        ("mod_bot", "restez polis dans le chat"),
        ("yanis", "quel but !!"),
    ],
}


def thumbnail() -> bytes:
    """The thumbnail's palette indices, row by row: a play button in a frame."""
    pixels = bytearray()
    for y in range(THUMB_SIZE):
        for x in range(THUMB_SIZE):
            if x in (0, THUMB_SIZE - 1) or y in (0, THUMB_SIZE - 1):
                pixels.append(3)
            elif 6 <= x <= 10 and abs(y - 7.5) <= (11 - x) * 0.8:
                pixels.append(2)
            else:
                pixels.append(1 if (x - 7.5) ** 2 + (y - 7.5) ** 2 <= 36 else 0)
    return bytes(pixels)


def rle_encode(data: bytes) -> bytes:
    """(count, value) byte pairs, what the `thumbs` module's `decode_rle` reads."""
    out = bytearray()
    i = 0
    while i < len(data):
        run = 1
        while i + run < len(data) and run < 255 and data[i + run] == data[i]:
            run += 1
        out += bytes([run, data[i]])
        i += run
    return bytes(out)


def chat_url(site: Site) -> str:
    return f"wss://chat.{site.domain}/socket"


def live_chat_host(site: Site) -> str:
    return f"live.{site.domain}"


def release_notes(site: Site) -> bytes:
    """The text file whose SHA-256 the checksum decoy shows."""
    title = site.title.split(" - ")[0]
    return (f"{title} release\r\nSource: WEB-DL 1080p\r\nAudio: AAC 2.0\r\nSubtitles: EN, FR, ES\r\n").encode()


def poster_pixels() -> list[tuple[int, int, int, int]]:
    """The poster's RGBA pixels, row by row: a gradient with a light play triangle."""
    w, h = POSTER_SIZE
    out = []
    for y in range(h):
        for x in range(w):
            inside = 18 <= x <= 30 and abs(y - 13) <= (30 - x) * 0.55
            out.append((250, 250, 250, 255) if inside else (20 + 4 * x, 30 + 3 * y, 90, 255))
    return out


@cache
def poster_webp() -> bytes:
    """The poster as lossless WebP (Pillow's libwebp): decoded, it gives back `poster_pixels()` exactly."""
    image = Image.new("RGBA", POSTER_SIZE)
    image.putdata(poster_pixels())
    out = io.BytesIO()
    image.save(out, format="WEBP", lossless=True, exact=True)
    return out.getvalue()


def _check_kind(kind: str) -> None:
    if kind not in DECOYS:
        raise ValueError(f"decoy {kind!r} is not one of {DECOYS}")


def decoy_snippet(world: World, site: Site, decoy: str) -> str:
    """The HTML a page of `site` includes to run `decoy`."""
    _check_kind(decoy)
    if decoy == "wasm_decoder":
        rle = base64.b64encode(rle_encode(thumbnail())).decode()
        js = render_asset("decoy-thumbs.js", url=THUMBS_PATH, rle=rle, size=THUMB_SIZE, palette=PALETTE)
        return f'<canvas id="thumb-decoder" width="{THUMB_SIZE}" height="{THUMB_SIZE}"></canvas>\n<script>{js}</script>'
    if decoy == "share_popup":
        return SHARE_POPUP
    if decoy == "wasm_checksum":
        js = render_asset("decoy-checksum.js", url=RELEASE_PATH)
        return (
            '<div id="checksum" class="checksum">SHA-256 <code>...</code></div>\n'
            f'<script src="{thirdparty.cdn_url(*HASH_WASM_SHA256)}"></script>\n<script>{js}</script>'
        )
    if decoy == "wasm_image_codec":
        js = render_asset("decoy-webp.js", decoder=thirdparty.cdn_url(*WEBP_DECODER), url=POSTER_PATH)
        return f'<canvas id="poster-webp" width="1" height="1"></canvas>\n<script type="module">{js}</script>'
    if decoy == "socketio_chat":
        js = render_asset("decoy-socketio.js", server=f"https://{live_chat_host(site)}", room=livechat.ROOM)
        return (
            f'<div id="live-chat" class="chat"></div>\n<script src="{thirdparty.cdn_url(*SOCKET_IO)}"></script>\n'
            f"<script>{js}</script>"
        )
    js = render_asset("decoy-chat.js", url=chat_url(site), room=CHAT_ROOM)
    return f'<div id="chat-box" class="chat"></div>\n<script>{js}</script>'


def decoy_truth(world: World, site: Site, decoy: str) -> dict:
    _check_kind(decoy)
    if decoy == "wasm_decoder":
        return {"kind": decoy, "url": f"https://{site.domain}{THUMBS_PATH}", "wasm_sha256": module_sha256("thumbs")}
    if decoy == "share_popup":
        return {"kind": decoy, "url_prefix": f"https://{site.domain}{SHARE_PATH}"}
    if decoy == "wasm_checksum":
        wasm = thirdparty.embedded_wasm_sha256(*HASH_WASM_SHA256, "sha256")
        return {"kind": decoy, "url": thirdparty.cdn_url(*HASH_WASM_SHA256), "wasm_sha256": wasm}
    if decoy == "wasm_image_codec":
        wasm = thirdparty.file_sha256(*WEBP_WASM)
        return {"kind": decoy, "url": thirdparty.cdn_url(*WEBP_WASM), "wasm_sha256": wasm}
    if decoy == "socketio_chat":
        return {"kind": decoy, "url_prefix": f"wss://{live_chat_host(site)}{livechat.PATH}"}
    return {"kind": decoy, "url": chat_url(site)}


def share_page(req: Request) -> Response:
    return Response.html(
        f"<!doctype html><title>Share</title><h3>Share this page</h3><p>{html.escape(req.query.get('u', ''))}</p>"
    )


def _chat_room(site: Site):
    lines = CHAT_LINES.get(site.lang, CHAT_LINES["en"])

    async def serve(req: Request, ws: WebSocket) -> None:
        async for msg in ws.messages_json():
            if msg.get("type") != "join":
                continue
            await ws.send({"type": "joined", "room": CHAT_ROOM, "online": 40 + len(site.domain)})
            for user, text in lines:
                await asyncio.sleep(CHAT_DELAY)
                await ws.send({"type": "msg", "user": user, "text": text})

    return serve


def register(app: SandboxApp, world: World) -> None:
    """Serve the decoder module, the share pages and the chat sockets of the sites that have those decoys."""
    thumbs = Response(body=module_bytes("thumbs"), content_type="application/wasm")
    chat = livechat.LiveChat(lambda host: _lines(world, host))
    for site in world.sites:
        if "wasm_decoder" in site.decoys:
            app.static(site.domain, THUMBS_PATH, thumbs)
        if "share_popup" in site.decoys:
            app.http(site.domain, SHARE_PATH, share_page)
        if "chat_websocket" in site.decoys:
            app.ws(f"chat.{site.domain}", "/socket", _chat_room(site))
        if "wasm_checksum" in site.decoys:
            app.static(site.domain, RELEASE_PATH, Response(body=release_notes(site), content_type="text/plain"))
        if "wasm_image_codec" in site.decoys:
            app.static(site.domain, POSTER_PATH, Response(body=poster_webp(), content_type="image/webp"))
        if "socketio_chat" in site.decoys:
            app.ws(live_chat_host(site), livechat.PATH, chat.serve)


def _lines(world: World, host: str) -> list[tuple[str, str]]:
    """The chat lines of the site whose live-chat host is `host`."""
    site = world.site(host.removeprefix("live."))
    return CHAT_LINES.get(site.lang if site else "en", CHAT_LINES["en"])
