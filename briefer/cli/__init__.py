"""The `briefer` command line. Bare `briefer` opens the TUI; subcommands are the CLI contract.

Subcommands are imported only when invoked, so `briefer poll` never pays for importing
Textual and `briefer` (the TUI) never pays for commands it does not run.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
from pathlib import Path
from typing import Any, NamedTuple

import click

from briefer import __version__
from briefer.cli.context import AppContext
from briefer.errors import BrieferError


class Command(NamedTuple):
    target: str  # "module:attribute", imported only when the command runs
    help: str  # the line `briefer --help` shows, without importing the command


# The names are a contract other tools rely on.
COMMANDS: dict[str, Command] = {
    "poll": Command("briefer.cli.poll:poll", "Fetch due feeds, match new items and store them."),
    "matches": Command("briefer.cli.matches:matches", "List stored matches per issue."),
    "match": Command(
        "briefer.cli.match:match", "Match text against the watchlists without storing it."
    ),
    "rematch": Command(
        "briefer.cli.rematch:rematch", "Recompute matches after a watchlist changed."
    ),
    "watchlists": Command(
        "briefer.cli.watchlists:watchlists", "Inspect the watchlists and how their terms perform."
    ),
    "feeds": Command("briefer.cli.feeds:feeds", "List, add, remove, import or export feeds."),
    "search": Command("briefer.cli.search:search", "Full-text search over every stored item."),
    "doctor": Command(
        "briefer.cli.doctor:doctor", "Show paths, database health and feed problems."
    ),
    "digest": Command("briefer.cli.digest:digest", "Export a digest of what matched."),
    "daemon": Command(
        "briefer.cli.daemon:daemon", "Poll on a schedule without the app, and notify."
    ),
    "notify": Command("briefer.cli.notify:notify", "Send a test notification."),
    "demo": Command("briefer.cli.demo:demo", "Run the app on bundled sample feeds served locally."),
    "stories": Command(
        "briefer.cli.stories:stories",
        "Group items (JSON lines) into stories without storing them.",
    ),
    "prune": Command(
        "briefer.cli.prune:prune", "Delete old items that matched nothing, as retention does daily."
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = COMMANDS.get(cmd_name)
        if command is None:
            return None
        module_name, attr = command.target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None
        found: click.Command = getattr(module, attr)
        return found

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Describe commands without importing them all, which would make --help slow.
        rows = [(name, COMMANDS[name].help) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrieferError as exc:
            click.echo(f"briefer: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except sqlite3.Error as exc:
            # A fault the store's checked connection did not see (it opened no Store):
            # still one sentence, never a traceback.
            from briefer.store.connection import database_error

            db = ctx.obj.paths.db if isinstance(ctx.obj, AppContext) else Path("briefer.db")
            click.echo(f"briefer: {database_error(db, exc)}", err=True)
            ctx.exit(1)


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Use this config file instead of the user's.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Use this database file.",
)
@click.version_option(__version__, prog_name="briefer")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, db_path: Path | None) -> None:
    """A morning briefing on US-Mexico security and trade, in your terminal.

    Run without a command to open the app. BRIEFER_HOME=DIR keeps config, watchlists,
    database and digests in one folder.
    """
    ctx.obj = AppContext(config_path=config_path, db_path=db_path)
    if ctx.invoked_subcommand is None:
        from briefer.tui.app import run_app

        code = run_app(ctx.obj)
        if code:
            ctx.exit(code)


def run() -> None:  # pragma: no cover - console entry point alias
    sys.exit(main())
