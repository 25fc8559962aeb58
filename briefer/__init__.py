"""briefer: a terminal briefing on US-Mexico security and trade."""

# The one place the version is written (pyproject.toml reads it from here): asking
# importlib.metadata instead cost every command 30 ms of start-up.
__version__ = "0.1.0"

PROJECT_URL = "https://github.com/briefer-app/briefer"
# Some official sites (State Department, WOLA) refuse clients that do not look like a
# browser; "Mozilla/5.0 (compatible; ...)" passes while still naming briefer and its home.
USER_AGENT = f"Mozilla/5.0 (compatible; briefer/{__version__}; +{PROJECT_URL})"
