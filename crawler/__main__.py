"""`python -m crawler` is the `moneytrail` command."""

from .cli import main

main()
