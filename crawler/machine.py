"""What the machine a crawl runs on can give it: cores and memory (a container's own limit where it has one),
the concurrency a crawl takes when none is given, and the memory available right now, which the visit
handler reads to hold new visits back under pressure (`crawler/handler.py`).

The default: 4 browser contexts per core (a visit spends most of its time waiting for the page, so 4 keep a
core busy; 8 on 2 cores crawled the whole sandbox in 155 s against 240 s at 4, with the same findings), as
many as memory allows at `CONTEXT_MB` each past `BASE_MB` for the browser, its driver and the crawler, and at
most `MOST`."""

from __future__ import annotations

import os
import re
from pathlib import Path

PER_CORE = 4
BASE_MB = 1000  # the crawler, Playwright's driver, the browser and GPU processes, before any visit
CONTEXT_MB = 300  # one visit's renderers and pop-ups, with room for heavy pages (see README, Sizing)
MOST = 16

MEMINFO = Path("/proc/meminfo")
CGROUP = Path("/sys/fs/cgroup")  # where cgroup hierarchies are mounted


def cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def meminfo(text: str) -> dict[str, int]:
    """/proc/meminfo's fields in MiB ("MemTotal", "MemAvailable"...)."""
    out = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            out[name.strip()] = int(parts[0]) // 1024 if parts[1:] == ["kB"] else int(parts[0]) // (1024 * 1024)
    return out


# (the line of /proc/self/cgroup naming the group, where its hierarchy is mounted, limit file, usage file)
CGROUPS = (
    (re.compile(r"0::(.*)"), "", "memory.max", "memory.current"),  # v2
    (re.compile(r"\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(.*)"), "memory", "memory.limit_in_bytes", "memory.usage_in_bytes"),
)


def cgroup_limit(proc_cgroup: Path = Path("/proc/self/cgroup")) -> tuple[int, int] | None:
    """(limit, used) in MiB of this process's memory cgroup (v2, else v1), or None where none sets a limit. The
    group's folder is its path under the hierarchy's mount, or the mount itself (a container's namespace)."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        lines = []
    for pattern, mount, limit_file, usage_file in CGROUPS:
        path = next((m.group(1) for m in map(pattern.fullmatch, lines) if m), None)
        if path is None:
            continue
        root = CGROUP / mount
        for folder in dict.fromkeys((root / path.lstrip("/"), root)):
            try:
                limit = (folder / limit_file).read_text().strip()
                used = (folder / usage_file).read_text().strip()
            except OSError:
                continue
            if limit.isdigit() and used.isdigit():  # "max" (v2): no limit
                return int(limit) // (1024 * 1024), int(used) // (1024 * 1024)
            break
    return None


def memory(proc: Path = MEMINFO, proc_cgroup: Path = Path("/proc/self/cgroup")) -> tuple[int, int] | None:
    """(total, available) MiB for this process: the machine's, or its container's where that is less; None
    where neither can be read (not Linux)."""
    try:
        info = meminfo(proc.read_text())
        total, available = info["MemTotal"], info.get("MemAvailable", info.get("MemFree", 0))
    except (OSError, KeyError):
        return None
    limit = cgroup_limit(proc_cgroup)
    if limit is not None and limit[0] < total:
        total, available = limit[0], min(available, max(0, limit[0] - limit[1]))
    return total, available


def available_mb() -> float:
    """Memory available now (MiB); infinite where it cannot be read (nothing is ever held back then)."""
    found = memory()
    return float(found[1]) if found is not None else float("inf")


def default_concurrency(n_cores: int | None = None, total_mb: int | None = None) -> int:
    """Browser contexts at once when `--concurrency` is not given: `PER_CORE` per core, as memory allows."""
    n_cores = cores() if n_cores is None else n_cores
    if total_mb is None:
        found = memory()
        total_mb = found[0] if found is not None else BASE_MB + CONTEXT_MB * PER_CORE * n_cores
    by_memory = (total_mb - BASE_MB) // CONTEXT_MB
    return int(max(1, min(MOST, PER_CORE * n_cores, by_memory)))
