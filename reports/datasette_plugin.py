"""The Datasette plugin of `moneytrail browse` (reports/browse.py registers it): a stored screenshot shows as
the image itself. A screenshot cell holds a path relative to the screenshots folder; it becomes an <img> of
that file as the folder's mount serves it, only when the path is relative, has no `..`, names an image and
resolves to a file inside the folder (anything else stays text, which Datasette escapes). Every piece of the
markup is escaped: a path is data a crawl wrote."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import quote

from datasette import hookimpl
from markupsafe import Markup, escape

from . import SHOT_COLUMNS
from .browse import PLUGIN
from .render import stored_screenshot

IMAGES = (".png", ".jpg", ".jpeg", ".webp")


def image_path(value, folder: Path) -> str | None:
    """`value` when it names an image file inside `folder` by a relative path without `..`; else None."""
    if not isinstance(value, str) or not value or "\\" in value:
        return None
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or path.suffix.lower() not in IMAGES:
        return None
    return value if stored_screenshot(folder, value) is not None else None


def image_cell(value, folder: Path, url: str) -> Markup | None:
    """The cell of a screenshot: the image (a link to it), `url` the folder's mount; None to show as text."""
    relative = image_path(value, folder)
    if relative is None:
        return None
    src = escape(f"{url.rstrip('/')}/{quote(relative)}")
    return Markup(
        f'<a href="{src}"><img src="{src}" alt="{escape(relative)}" loading="lazy" '
        'style="max-width: 240px; max-height: 240px"></a>'
    )


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column not in SHOT_COLUMNS:
        return None
    config = datasette.plugin_config(PLUGIN, database=database, table=table) or {}  # {folder, mount}
    if not config.get("folder") or not config.get("mount"):
        return None
    return image_cell(value, Path(config["folder"]), datasette.urls.path(f"/{config['mount']}"))
