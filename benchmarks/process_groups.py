"""Memory and CPU of a crawl's process tree, by process group: the Python crawler, Playwright's Node driver,
and Chromium's browser, renderer, GPU, network-service and other utility processes (a Chromium child names its
kind in `--type=` and, for a utility, `--utility-sub-type=`).

A helper of the benchmarks and of the hostile-corpus test, not a benchmark itself. `GroupSampler(pid)` samples
the tree under `pid` from `/proc` (PSS from `smaps_rollup`, CPU from `stat`) until stopped:

- `peak` is the highest PSS of the whole tree, and `at_peak` its split by group at that moment;
- `cpu` is the CPU seconds each group used while sampled. A process is counted up to its last sample, so one
  that lives less than a sampling interval is missed: the interval is short (0.25 s by default). Checked on a
  sandbox crawl against the whole machine's busy time (/proc/stat): the sampler counted 97% of it, the tree's
  own accounting (`RUSAGE_CHILDREN`) less than 40% (Chromium's children are not all reaped by their parent).
- `own_cpu` is the CPU seconds the sampling itself used (outside the tree), so that a benchmark can say: on a
  2-core crawl of heavy pages, 16-17% of a core, nearly all of it the kernel walking each Chromium process's
  memory map to answer `smaps_rollup`. Reading PSS once a second instead halved that, changed the visits a minute
  within the noise, and read peaks 2-7% lower, so each sample still reads it.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

GROUPS = ("python", "driver", "browser", "renderer", "gpu", "network", "utility", "other")
TICKS = os.sysconf("SC_CLK_TCK")


def children_of() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    return children


def tree(pid: int) -> list[int]:
    children, out, todo = children_of(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def group_of(cmdline: list[str]) -> str:
    """The group of a process from its command line (arguments as /proc gives them)."""
    if not cmdline:
        return "other"
    program = Path(cmdline[0]).name
    if program.startswith("python"):
        return "python"
    if program == "node" or program.endswith("/node"):
        return "driver"
    kind = next((a.split("=", 1)[1] for a in cmdline if a.startswith("--type=")), None)
    if kind is None:  # a child names its kind whatever it was started as (/proc/self/exe, before it renames)
        return "browser" if "chrom" in program or "headless" in program else "other"
    if kind == "renderer":
        return "renderer"
    if kind == "gpu-process":
        return "gpu"
    if kind == "utility":
        sub = next((a.split("=", 1)[1] for a in cmdline if a.startswith("--utility-sub-type=")), "")
        return "network" if sub.startswith("network.") else "utility"
    return "other"  # the zygotes, the crashpad handler


def _cmdline(pid: int) -> list[str]:
    try:
        args = [a for a in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0") if a]
    except OSError:
        return []
    # Chromium's children rewrite their command line as one string, the arguments joined by spaces
    return args[0].split(" ") if len(args) == 1 else args


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime of the process itself
    except (OSError, IndexError, ValueError):
        return 0.0


class GroupSampler:
    def __init__(self, pid: int, interval: float = 0.25):
        self.pid, self.interval = pid, interval
        self.own_cpu = 0.0  # CPU seconds the sampling thread used
        self.peak, self.at_peak = 0.0, dict.fromkeys(GROUPS, 0.0)
        self.samples: list[float] = []  # PSS of the tree, MiB, one per sample
        self._cpu: dict[int, tuple[str, float, float]] = {}  # pid -> group, CPU at first sight, CPU last seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        split = dict.fromkeys(GROUPS, 0.0)
        first_sample = not self.samples
        for p in tree(self.pid):
            # read each time (a process forked to start another shows its parent's); one that has ended and not
            # been reaped yet shows none, and keeps the group it had
            group = group_of(_cmdline(p))
            if group == "other" and p in self._cpu:
                group = self._cpu[p][0]
            split[group] += _pss_kb(p) / 1024
            cpu = _cpu_s(p)
            # processes already running at the first sample are counted from then, later ones from their start
            first = self._cpu[p][1] if p in self._cpu else (cpu if first_sample else 0.0)
            self._cpu[p] = (group, first, max(cpu, self._cpu[p][2] if p in self._cpu else 0.0))
        total = sum(split.values())
        self.samples.append(total)
        if total > self.peak:
            self.peak, self.at_peak = total, split

    @property
    def cpu(self) -> dict[str, float]:
        out = dict.fromkeys(GROUPS, 0.0)
        for group, first, last in self._cpu.values():
            out[group] += last - first
        return out

    def growth(self) -> float:
        """Per cent from the mean PSS of the first third of the samples to that of the last third."""
        s = self.samples or [0.0]
        third = max(1, len(s) // 3)
        first, last = sum(s[:third]) / third, sum(s[-third:]) / third
        return (last - first) / first * 100 if first else 0.0

    def by_tenth(self) -> list[float]:
        """Mean PSS (MiB) of each tenth of the samples, in order: whether memory is flat over a long run."""
        s = self.samples
        if len(s) < 10:
            return []
        return [sum(part) / len(part) for part in (s[i * len(s) // 10 : (i + 1) * len(s) // 10] for i in range(10))]

    def _run(self) -> None:
        started = time.thread_time()
        self.sample()
        while not self._stop.wait(self.interval):
            self.sample()
        self.own_cpu = time.thread_time() - started

    def __enter__(self) -> GroupSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def split_text(split: dict[str, float], unit: str) -> str:
    return ", ".join(f"{group} {value:.{2 if unit == 's' else 0}f}" for group, value in split.items() if value) + (
        f" ({unit})"
    )
