"""The benchmarks' process sampler (benchmarks/process_groups.py): processes grouped by what they are, their CPU
counted from the first sample, and the sampler's own CPU counted apart."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from process_groups import GroupSampler, group_of

BUSY = "import time\ninput()\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ninput()"


def test_processes_are_grouped_by_what_they_are():
    assert group_of(["/usr/bin/python3.11", "-m", "moneytrail"]) == "python"
    assert group_of(["/x/driver/node", "cli.js"]) == "driver"
    assert group_of(["/usr/lib/chromium/chromium", "--headless"]) == "browser"
    assert group_of(["/usr/lib/chromium/chromium", "--type=renderer"]) == "renderer"
    assert group_of(["/usr/lib/chromium/chromium", "--type=gpu-process"]) == "gpu"
    assert group_of(["chromium", "--type=utility", "--utility-sub-type=network.mojom.NetworkService"]) == "network"
    assert group_of(["chromium", "--type=utility", "--utility-sub-type=storage.mojom.StorageService"]) == "utility"
    assert group_of(["chromium", "--type=zygote"]) == "other"
    assert group_of([]) == "other"


def test_a_process_s_cpu_is_counted_from_the_first_sample_and_its_memory_at_each():
    child = subprocess.Popen([sys.executable, "-c", BUSY], stdin=subprocess.PIPE, text=True)
    try:
        sampler = GroupSampler(child.pid)
        sampler.sample()
        child.stdin.write("go\n")
        child.stdin.flush()
        for _ in range(100_000):  # until the child's busy 0.3 s is seen (a bound, not a timing)
            if sampler.cpu["python"] >= 0.2:
                break
            sampler.sample()
        assert 0.2 <= sampler.cpu["python"] < 1
        assert all(pss > 0 for pss in sampler.samples) and sampler.peak == max(sampler.samples)
        assert sampler.at_peak["python"] == sampler.peak
    finally:
        child.communicate("\n")


def test_the_sampler_counts_its_own_cpu_apart():
    child = subprocess.Popen(
        [sys.executable, "-c", "print('ready', flush=True); input()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == "ready\n"  # started: from here on it only waits
        with GroupSampler(child.pid, interval=0.01) as sampler:
            while len(sampler.samples) < 20:
                time.sleep(0.01)
    finally:
        child.communicate("\n")
    assert sampler.own_cpu > 0
    assert sampler.cpu["python"] < 0.05  # the child only waited: the sampling is not counted in its tree
