"""Where the bundled defaults (config.toml, watchlists/, seeds/) live.

A wheel carries them in briefer/defaults/ (hatch force-include); an editable install or a
source checkout finds them at the repository root, one folder above the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def defaults_dir() -> Path:
    installed = _PACKAGE / "defaults"
    if (installed / "config.toml").is_file():
        return installed
    return _PACKAGE.parent


def default_config() -> Path:
    return defaults_dir() / "config.toml"


def default_watchlists() -> Path:
    return defaults_dir() / "watchlists"


def default_seeds() -> Path:
    return defaults_dir() / "seeds"
