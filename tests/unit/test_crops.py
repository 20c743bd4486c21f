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
    assert back.schema == 4 and SCHEMA == 7


def test_crops_of_every_kind_of_ad_are_stored_as_ad_evidence(tmp_path):
    """An ad frame's, an injected link's and an overlay's crops are each stored as `ad` evidence with its hash,
    and the observation points at the stored files."""
    import hashlib

    from sqlalchemy import select

    from moneytrail.crawler.observation import AdFrame, AdLink, Observation, Overlay
    from moneytrail.crawler.store import open_store
    from moneytrail.crawler.store.schema import EvidenceFile
    from moneytrail.crawler.store.visits import load_observations, write_visit

    obs = Observation("v1", "https://s.test/", "s.test", "home", started_at="2026-11-01T00:00:00")
    obs.screenshot = "v1.jpg"
    obs.ad_frames = [AdFrame(1, "https://ads.test/f", 300, 250, 10, 20, crop="v1-ad1.jpg")]
    obs.ad_links = [
        AdLink("https://adv.test/", "https://s.test/", "injected", width=300, height=90, crop="v1-link0.jpg")
    ]
    obs.overlays = [Overlay(0, 500, 400, 100, "fixed", text="New message", media=1, crop="v1-overlay0.jpg")]
    files = {name: name.encode() * 10 for name in ("v1.jpg", "v1-ad1.jpg", "v1-link0.jpg", "v1-overlay0.jpg")}
    store = open_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "shots")
    write_visit(store, obs, run_id=None, site_id=None, screenshots=files)
    with store.session() as s:
        kept = {(row.kind, row.sha256) for row in s.scalars(select(EvidenceFile))}
    digest = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    assert kept == {("page", digest["v1.jpg"])} | {("ad", digest[n]) for n in files if n != "v1.jpg"}
    (back,) = load_observations(store)
    crops = [ad.crop for ad in back.cropped()]
    assert len(crops) == 3 and all((store.screenshots / crop).read_bytes() in files.values() for crop in crops)
