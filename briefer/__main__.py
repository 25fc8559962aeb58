"""`python -m briefer` is `briefer`."""

from briefer.cli import main

# The guard matters: worker processes import the main module again.
if __name__ == "__main__":
    main()
