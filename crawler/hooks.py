"""The page-init hook scrapy-playwright calls before navigating: instruments the visit's context.

Referred to by its import path in request.meta, so that requests stay serialisable (a shared Redis
queue can carry them); the visit's settings come from `meta["visit"]`."""

from __future__ import annotations

from .consent import DEFAULT_MODE
from .limits import Limits
from .recording.recorder import Recorder


async def init_page(page, request) -> None:
    visit = request.meta["visit"]
    recorder = Recorder(
        page.context,
        visit_id=visit["uid"],
        url=request.url,
        site=visit["site"],
        page_kind=visit["page_kind"],
        profile=visit.get("profile"),
        limits=Limits.from_dict(visit.get("limits")),
        identity=visit.get("identity"),
        consent=visit.get("consent", DEFAULT_MODE),
    )
    await recorder.attach()
    await recorder.add_page(page)
    await recorder.attach_consent(page)
    await recorder.read_standard_globals(page)
    recorder.begin_step("load", request.url)
    request.meta["recorder"] = recorder
