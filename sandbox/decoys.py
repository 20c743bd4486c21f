"""Benign look-alikes of miners that a careless detector may flag, and the truth about them.

- `wasm_decoder`: the page fetches `/static/wasm/thumbs.wasm` from its own host, instantiates it on the
  main thread and decodes a run-length encoded 16x16 thumbnail into `<canvas id="thumb-decoder">`, which
  then carries `data-decoded="ok"`;
- `chat_websocket`: a live chat box `<div id="chat-box">` fed by `wss://chat.<site domain>/socket`
  (`join` a room, then `{"type": "msg", "user", "text"}` messages): WebSocket and JSON, no mining shape;
- `share_popup`: a first-party "share to unlock HD" box that opens a popup on the site's own `/share` page
  when clicked: a popup, but no ad.

The kinds are world.DECOYS.
"""

from __future__ import annotations

import asyncio
import base64
import html

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
    js = render_asset("decoy-chat.js", url=chat_url(site), room=CHAT_ROOM)
    return f'<div id="chat-box" class="chat"></div>\n<script>{js}</script>'


def decoy_truth(world: World, site: Site, decoy: str) -> dict:
    _check_kind(decoy)
    if decoy == "wasm_decoder":
        return {"kind": decoy, "url": f"https://{site.domain}{THUMBS_PATH}", "wasm_sha256": module_sha256("thumbs")}
    if decoy == "share_popup":
        return {"kind": decoy, "url_prefix": f"https://{site.domain}{SHARE_PATH}"}
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
    for site in world.sites:
        if "wasm_decoder" in site.decoys:
            app.static(site.domain, THUMBS_PATH, thumbs)
        if "share_popup" in site.decoys:
            app.http(site.domain, SHARE_PATH, share_page)
        if "chat_websocket" in site.decoys:
            app.ws(f"chat.{site.domain}", "/socket", _chat_room(site))
