"""`python -m moneytrail` is the `moneytrail` command."""

from .cli import main

main()
