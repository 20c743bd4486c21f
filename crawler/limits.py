"""Every budget and every wait of one visit, in one place: no page can hang the crawl or fill the disk, and
nothing about a visit's timing is decided anywhere else.

Times are seconds. `moneytrail crawl --limit NAME=VALUE` (repeatable) overrides any of them for a crawl;
a schedule keeps its overrides with its crawl configuration."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    # --- the visit as a whole ------------------------------------------------------------------------------
    navigation_timeout: float = 20.0  # for the first page's document to arrive (and, noted only, its load event)
    navigation_grace: float = 5.0  # past Playwright's own navigation timeout, before the visit gives up on it
    visit_timeout: float = 60.0  # for the whole visit, clicks and followed chains included
    visit_grace: float = 30.0  # past visit_timeout, before a visit that will not end is cut (status timeout)
    action_timeout: float = 5.0  # for one interaction with the page (a click, a snapshot, a screenshot)
    busy_patience: float = 15.0  # an action got no answer: how long the page may take to answer at all
    frame_read_timeout: float = 2.0  # to read one of the page's frames (one that does not answer is skipped)
    # --- behaving like a person ----------------------------------------------------------------------------
    first_settle_min: float = 1.0  # after the page loaded, before the first scroll
    first_settle_max: float = 2.5
    scroll_pause: float = 0.5  # after scrolling down, before scrolling back up
    scroll_back_pause: float = 0.3
    player_click_pause: float = 0.6  # after clicking the video player
    centre_click_pause: float = 0.4  # after clicking the page's centre
    overlay_click_pause: float = 0.5  # after clicking a box a script laid over the page (an in-page push banner)
    consent_wait: float = 6.0  # for a consent banner found on the visited page to be answered (none found: no wait)
    consent_settle_min: float = 1.0  # after consent was given or refused: what it unlocked (an ad stack) loads
    consent_settle_max: float = 5.0
    settle_min: float = 1.8  # after the last click (delayed popups fire late)
    settle_max: float = 7.0
    quiet_period: float = 0.6  # without network activity, counts as "settled"
    poll_interval: float = 0.1  # how often a wait looks again
    # --- ads followed and chains landing --------------------------------------------------------------------
    follow_min_left: float = 3.0  # visit time left below which no ad link is followed
    follow_navigation_timeout: float = 10.0  # for a followed ad link's first answer
    follow_settle_min: float = 1.0  # after following ad links
    follow_settle_max: float = 6.0
    chain_wait: float = 4.0  # more, at most, for windows whose chain is still on its way
    chain_quiet: float = 0.7  # without a navigation, after which a window's chain has landed
    landing_stay: float = 1.5  # a landing page loaded this long without navigating has settled: next is a new ad
    opener_timeout: float = 2.0  # to ask a window which page opened it
    # --- the end of a visit -----------------------------------------------------------------------------------
    drain_timeout: float = 5.0  # for pending captures (response bodies, page registrations) to finish
    windows_timeout: float = 20.0  # to read every window's landing page (titles, screenshots)
    page_close_timeout: float = 5.0  # to close a page opened over the popup limit
    leave_wait: float = 1.5  # leaving the visited page at the end: how long a "stay on this page?" may take to ask
    context_close_timeout: float = 15.0  # to close the visit's browser context
    browser_close_timeout: float = 30.0  # to close the browser at the crawl's end
    # --- the crawl's memory (crawler/machine.py) -----------------------------------------------------------
    memory_floor_mb: int = 1024  # a visit starts only while this much memory is available (MiB), or none runs
    # (the crawl's concurrency lowers itself under pressure, never below one visit; 0: never held)
    memory_poll: float = 1.0  # how often a held visit looks again
    # --- what is kept (counts past these are recorded in the observation's `limits`) -----------------------
    click_screenshots: int = 4  # the page shot before each later click (centre, body, overlays): the pirate page
    # as it was when that click opened its ad (0: none, the visit's own screenshot stands for every click)
    max_ad_crops: int = 12  # ad frames cropped out of the page's screenshot (with ad_crop_margin CSS px around)
    ad_crop_margin: int = 40
    max_popups: int = 12  # windows whose chains are followed; more are closed at once (and counted)
    max_ad_links: int = 10  # ad click URLs followed per visit
    max_overlays: int = 20  # boxes scripts laid over the page, recorded per visit
    max_overlay_clicks: int = 3  # of them, those without a link the visit clicks
    max_requests: int = 3000
    max_frames: int = 500
    max_websockets: int = 50
    max_ws_messages: int = 25  # kept per socket and direction (all are counted)
    max_message_bytes: int = 2048
    max_wasm_records: int = 50
    max_wasm_bytes: int = 16 * 1024 * 1024
    max_document_bytes: int = 4 * 1024 * 1024  # a visited document larger than this is not read
    # one still arriving past this is stopped (an endless page: its renderer held 575 MB at 16 MiB, 379 at 8, 270
    # at 4; a page's HTML is rarely past 1 MB)
    max_document_load_bytes: int = 4 * 1024 * 1024
    # bodies kept in a visit's archive (crawler/archive.py); past it, responses are archived without their body
    max_archive_bytes: int = 32 * 1024 * 1024
    max_inline_scripts: int = 150
    max_inline_chars: int = 16_000  # kept of each inline script (whitespace collapsed): where tags keep ids
    max_inline_total: int = 256 * 1024  # characters of inline script kept per visit, all scripts together
    max_script_bytes: int = 512 * 1024  # a script file (the site's own, or a worker's) larger is not kept
    max_script_files: int = 40  # script files kept per visit
    max_script_total: int = 4 * 1024 * 1024  # bytes of script files kept per visit
    max_globals: int = 200  # window globals the page's scripts defined, recorded by name
    max_dialogs: int = 40  # dialogs recorded (all are dismissed)
    max_downloads: int = 20  # downloads recorded (all are cancelled, never saved)
    max_workers: int = 100
    max_notices: int = 60
    max_url_chars: int = 4096
    # --- what makes a visit hostile -------------------------------------------------------------------------
    dialog_storm: int = 10  # this many dialogs
    history_spam: int = 20  # this many history.pushState calls
    frame_storm: int = 100  # child frames of one window past which a script adds no more (0: no cap). Chromium
    # allows 1,000 per page, about 0.8 MB each: a page making them in a loop took the crawl past 1.5 GB
    request_flood: int = 1000  # fetch, XHR and beacon requests one window's scripts may make (0: no cap); past
    # it they fail at once (a flood of 10,000 kept the crawl past 1.2 GB), as WebSockets past max_websockets do
    popup_flood: int = 8  # window.open calls one window's scripts may make without a click (0: no cap); past it
    # they open nothing and return null, as a popup blocker does (one every 50 ms kept the renderer near 400 MB).
    # Under max_popups, so that such windows never crowd out those the visit's clicks open
    write_flood: int = 4 * 1024 * 1024  # characters one window's scripts may document.write (0: no cap); past
    # it their writes are not done: 20,000 writes of 2 KB took the renderer past 1 GB

    @classmethod
    def from_dict(cls, given: dict | None) -> Limits:
        """Limits with these overrides ({"visit_timeout": 90, ...}); an unknown name is an error."""
        given = dict(given or {})
        kinds = {f.name: f.type for f in fields(cls)}
        unknown = set(given) - set(kinds)
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(sorted(unknown))} (see crawler/limits.py)")
        try:
            values = {k: (float(v) if kinds[k] == "float" else int(v)) for k, v in given.items()}
        except (TypeError, ValueError) as exc:
            raise ValueError(f"a limit must be a number: {exc}") from None
        return cls(**values)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def visit_bound(self) -> float:
        """The longest a visit may take, from its navigation to its browser context's close."""
        return (
            self.navigation_timeout
            + self.navigation_grace
            + self.visit_timeout
            + self.visit_grace
            + self.context_close_timeout
        )
