"""Ads cut out of the page's screenshot (crawler/crops.py): boxes in CSS pixels, screenshots in device pixels."""

from __future__ import annotations

from io import BytesIO

from PIL import Image

from moneytrail.crawler.crops import crop_ads


def screenshot(css_width=800, css_height=600, scale=2.0, ad=(100, 300, 300, 250)) -> bytes:
    """A page's screenshot at `scale` device pixels per CSS pixel, white with a red ad at `ad` (CSS px)."""
    image = Image.new("RGB", (int(css_width * scale), int(css_height * scale)), "white")
    x, y, w, h = ad
    image.paste((220, 0, 0), (int(x * scale), int(y * scale), int((x + w) * scale), int((y + h) * scale)))
    out = BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    return Image.open(BytesIO(data)).convert("RGB")


def test_an_ad_in_view_is_cut_out_with_its_margin_at_any_pixel_density():
    for scale in (1.0, 2.0, 2.625):
        crops = crop_ads(screenshot(scale=scale), {"ad.jpg": (100, 300, 300, 250)}, 800, 40)
        image = opened(crops["ad.jpg"])
        assert abs(image.width - 380 * scale) <= 2 and abs(image.height - 330 * scale) <= 2
        red = image.getpixel((image.width // 2, image.height // 2))
        assert red[0] > 180 and red[1] < 60, (scale, red)  # the ad is in the middle
        assert min(image.getpixel((2, 2))) > 200  # the page around it, white, in the margin


def test_boxes_out_of_view_too_small_or_too_large_are_handled():
    shot = screenshot()
    crops = crop_ads(
        shot,
        {
            "below.jpg": (100, 2000, 300, 250),  # below the fold when the screenshot was taken
            "pixel.jpg": (10, 10, 1, 1),  # a tracking pixel
            "huge.jpg": (-5000, -5000, 99999, 99999),  # a page's hostile size: clipped to the screenshot
            "edge.jpg": (780, 100, 300, 250),  # a sliver of it inside
        },
        800,
        40,
    )
    assert set(crops) == {"huge.jpg", "edge.jpg"}
    assert opened(crops["huge.jpg"]).size == (1600, 1200)
    assert crop_ads(shot, {}, 800, 40) == {} and crop_ads(shot, {"a.jpg": (0, 0, 50, 50)}, 0, 40) == {}


def test_observations_stored_before_crops_still_load():
    """Schema 4 had no `AdFrame.crop`: its ad frames load with no crop."""
    from moneytrail.crawler.observation import SCHEMA, AdFrame, Observation

    old = Observation("v", "https://s.test/", "s.test", "home", started_at="2026-11-01T00:00:00").to_dict()
    old["schema"] = 4
    old["ad_frames"] = [{"frame": 2, "url": "https://ads.test/f", "width": 300, "height": 250, "x": 0, "y": 0}]
    back = Observation.from_dict(old)
    assert back.ad_frames == [AdFrame(2, "https://ads.test/f", 300, 250, 0, 0)] and back.ad_frames[0].crop is None
    assert back.schema == 4 and SCHEMA == 5
