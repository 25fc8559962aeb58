"""briefer: a terminal briefing on US-Mexico security and trade."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("briefer")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

PROJECT_URL = "https://github.com/briefer-app/briefer"
USER_AGENT = f"briefer/{__version__} (+{PROJECT_URL})"
