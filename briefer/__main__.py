"""`python -m briefer` is `briefer`."""

from briefer.cli import main

main()
