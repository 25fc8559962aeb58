"""What every command needs, loaded once and only when first asked for.

The TUI receives the same object, so `briefer --config X --db Y` means the same thing to
the app and to every subcommand. No click or Textual imports here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from briefer.config import Config, Paths, load_config

if TYPE_CHECKING:
    from briefer.match import Matcher
    from briefer.store import Store
    from briefer.watchlist import Issue


@dataclass
class AppContext:
    config_path: Path | None = None
    db_path: Path | None = None

    @cached_property
    def paths(self) -> Paths:
        return Paths.resolve(config=self.config_path, db=self.db_path)

    @cached_property
    def config(self) -> Config:
        return load_config(self.paths)

    @cached_property
    def issues(self) -> list[Issue]:
        from briefer.watchlist import load_issues

        return load_issues(self.config.watchlist_dirs)

    @cached_property
    def matcher(self) -> Matcher:
        from briefer.match import Matcher

        return Matcher(self.issues)

    @property
    def issue_versions(self) -> dict[str, str]:
        return {issue.id: issue.version for issue in self.issues}

    def open_store(self, *, create: bool = True, verify: bool = False) -> Store:
        from briefer.store import Store

        return Store(self.paths.db, create=create, verify=verify)
