"""Crops of a page's ads out of its screenshot: each ad frame (a banner, a player overlay) as the visitor saw
it, with a margin of the page around it, for evidence that shows the ad on the pirate page.

The screenshot is the viewport's, in device pixels; frame boxes are in CSS pixels of the same viewport, so
every box is scaled by the screenshot's width over the viewport's. A box is clipped to the screenshot; one
that falls outside it (below the fold when the screenshot was taken) or is too small to show an ad (a tracking
pixel) gives no crop.
"""

from __future__ import annotations

from io import BytesIO

from PIL import Image

MIN_SIDE = 20  # CSS pixels: smaller frames are trackers, not ads
QUALITY = 70


def crop_ads(
    screenshot: bytes, boxes: dict[str, tuple[float, float, float, float]], viewport_width: float, margin: int
) -> dict[str, bytes]:
    """name -> JPEG crop of each box (x, y, width, height in CSS pixels) that shows in `screenshot`."""
    out: dict[str, bytes] = {}
    if not boxes or viewport_width <= 0:
        return out
    with Image.open(BytesIO(screenshot)) as image:
        image.load()
        scale = image.width / viewport_width
        for name, (x, y, width, height) in boxes.items():
            if width < MIN_SIDE or height < MIN_SIDE:
                continue
            left, top = max(0, int((x - margin) * scale)), max(0, int((y - margin) * scale))
            right = min(image.width, int((x + width + margin) * scale))
            bottom = min(image.height, int((y + height + margin) * scale))
            if right - left < MIN_SIDE * scale or bottom - top < MIN_SIDE * scale:
                continue  # outside the screenshot, or only a sliver of it inside
            buffer = BytesIO()
            image.crop((left, top, right, bottom)).convert("RGB").save(buffer, "JPEG", quality=QUALITY)
            out[name] = buffer.getvalue()
    return out
