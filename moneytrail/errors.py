"""What can stop a command, and the exit status each gives (the README's "Exit status"); the CLI's `main()`
is the one place that turns them into messages and statuses."""

from __future__ import annotations

EXIT_OK = 0


class MoneytrailError(Exception):
    """A command could not do what it was asked; its message says why (and what to do)."""

    exit_code = 1


class Failure(MoneytrailError):
    """It could not run, or was interrupted (status 1)."""

    exit_code = 1


class UsageError(MoneytrailError):
    """Bad usage: no such watchlist, run or schedule, a bad option value, an unusable store (status 2)."""

    exit_code = 2


class NothingReached(MoneytrailError):
    """A crawl finished but no site could be reached (status 3)."""

    exit_code = 3
