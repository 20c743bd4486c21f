"""The machine a crawl runs on: cores and memory (a container's own limit first), the default concurrency they
give, and the memory guard that holds new visits back while memory is short."""

from __future__ import annotations

import asyncio

import pytest

from moneytrail.crawler.handler import memory_turn
from moneytrail.crawler.limits import Limits
from moneytrail.crawler.machine import (
    BASE_MB,
    CONTEXT_MB,
    MOST,
    cgroup_limit,
    cores,
    default_concurrency,
    meminfo,
    memory,
)

MEMINFO = (
    "MemTotal:       24576000 kB\nMemFree:         1000000 kB\nMemAvailable:   20480000 kB\nHugePages_Total:       0\n"
)


@pytest.mark.parametrize(
    ("n_cores", "total_mb", "expected"),
    [
        (2, 24_000, 8),  # 4 per core: the machine of the measures
        (1, 24_000, 4),
        (64, 256_000, MOST),  # at most MOST, however big the machine
        (8, 2_000, (2_000 - BASE_MB) // CONTEXT_MB),  # memory first on a small box
        (4, 512, 1),  # never below one
    ],
)
def test_default_concurrency_follows_cores_and_memory(n_cores, total_mb, expected):
    assert default_concurrency(n_cores, total_mb) == expected


def test_this_machine_gives_a_concurrency_within_bounds():
    assert cores() >= 1
    assert 1 <= default_concurrency() <= MOST


def test_meminfo_and_cgroup_limits_are_read_in_mib(tmp_path, monkeypatch):
    from moneytrail.crawler import machine

    assert meminfo(MEMINFO) == {"MemTotal": 24000, "MemFree": 976, "MemAvailable": 20000, "HugePages_Total": 0}
    proc, listing = tmp_path / "meminfo", tmp_path / "self-cgroup"
    proc.write_text(MEMINFO)
    mount = tmp_path / "fs"
    monkeypatch.setattr(machine, "CGROUP", mount)
    group = mount / "system.slice" / "crawl.service"
    group.mkdir(parents=True)
    listing.write_text("0::/system.slice/crawl.service\n")
    assert cgroup_limit(listing) is None and memory(proc, listing) == (24000, 20000)  # no limit files
    (group / "memory.max").write_text("max\n")
    (group / "memory.current").write_text(str(3 * 2**30))
    assert cgroup_limit(listing) is None and memory(proc, listing) == (24000, 20000)  # "max": no limit
    (group / "memory.max").write_text(str(4 * 2**30))
    assert cgroup_limit(listing) == (4096, 3072)
    assert memory(proc, listing) == (4096, 1024)  # a container of 4 GiB, 3 used: 1 GiB left, whatever the host has
    (group / "memory.max").write_text(str(64 * 2**30))
    assert memory(proc, listing) == (24000, 20000)  # a limit above the machine's memory changes nothing
    assert memory(tmp_path / "none", listing) is None

    # cgroup v1 (this machine's kind): the memory hierarchy's own line, its group or, namespaced, the mount
    v1 = mount / "memory"
    v1.mkdir()
    (v1 / "memory.limit_in_bytes").write_text(str(2 * 2**30))
    (v1 / "memory.usage_in_bytes").write_text(str(2**29))
    listing.write_text("5:cpuacct,cpu:/\n4:memory:/process_api/abc\n0::/\n")
    assert cgroup_limit(listing) == (2048, 512)
    (v1 / "process_api" / "abc").mkdir(parents=True)
    (v1 / "process_api" / "abc" / "memory.limit_in_bytes").write_text(str(9223372036854771712))  # no real limit
    (v1 / "process_api" / "abc" / "memory.usage_in_bytes").write_text(str(2**30))
    assert cgroup_limit(listing)[0] > 10**12 and memory(proc, listing) == (24000, 20000)
    assert cgroup_limit(tmp_path / "missing") is None


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_visit_waits_while_memory_is_short_and_another_runs():
    limits = Limits(memory_floor_mb=1000, memory_poll=0.01)
    readings = iter([100, 200, 900, 1500])  # MiB available at each look: freed after four

    async def held():
        return await memory_turn(limits, "https://a.test/", running=lambda: 2, available=lambda: next(readings))

    waited = run(held())
    assert waited >= 0.03 and next(readings, None) is None  # looked four times, then went


def test_one_visit_always_may_start_and_a_floor_of_zero_holds_nothing():
    never = Limits(memory_floor_mb=1000, memory_poll=10)

    def short():
        return 1.0

    assert run(memory_turn(never, "https://a.test/", running=lambda: 0, available=short)) < 1  # none running
    off = Limits(memory_floor_mb=0, memory_poll=10)
    assert run(memory_turn(off, "https://a.test/", running=lambda: 8, available=short)) < 1


def test_a_held_visit_goes_when_the_others_end(caplog):
    limits = Limits(memory_floor_mb=1000, memory_poll=0.01)
    running = [3]

    async def held():
        async def others_end():
            await asyncio.sleep(0.05)
            running[0] = 0

        ending = asyncio.create_task(others_end())
        waited = await memory_turn(limits, "https://a.test/", running=lambda: running[0], available=lambda: 10)
        await ending
        return waited

    with caplog.at_level("WARNING"):
        assert run(held()) >= 0.04
    assert "memory short (10 MiB available, floor 1000 MiB)" in caplog.text and "one of the 3 running" in caplog.text
