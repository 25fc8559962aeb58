"""briefer: a terminal briefing on US-Mexico security and trade."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("briefer")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

PROJECT_URL = "https://github.com/briefer-app/briefer"
# Some official sites (State Department, WOLA) refuse clients that do not look like a
# browser; "Mozilla/5.0 (compatible; ...)" passes while still naming briefer and its home.
USER_AGENT = f"Mozilla/5.0 (compatible; briefer/{__version__}; +{PROJECT_URL})"
