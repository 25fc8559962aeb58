"""The `briefer` command line. Bare `briefer` opens the TUI; subcommands are the CLI contract.

Subcommands are imported only when invoked, so `briefer poll` never pays for importing
Textual and `briefer` (the TUI) never pays for commands it does not run.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from briefer import __version__
from briefer.cli.context import AppContext
from briefer.errors import BrieferError

# name -> "module:attribute"; the names are a contract other tools rely on.
COMMANDS: dict[str, str] = {
    "poll": "briefer.cli.poll:poll",
    "matches": "briefer.cli.matches:matches",
    "match": "briefer.cli.match:match",
    "rematch": "briefer.cli.match:rematch",
    "watchlists": "briefer.cli.match:watchlists",
    "feeds": "briefer.cli.feeds:feeds",
    "search": "briefer.cli.search:search",
    "doctor": "briefer.cli.doctor:doctor",
    "digest": "briefer.cli.digest:digest",
    "daemon": "briefer.cli.daemon:daemon",
    "notify": "briefer.cli.notify:notify",
    "demo": "briefer.cli.demo:demo",
    "stories": "briefer.cli.stories:stories",
}

HELP = {
    "poll": "Fetch due feeds, match new items and store them.",
    "matches": "List stored matches per issue.",
    "match": "Match text against the watchlists without storing it.",
    "rematch": "Recompute matches after a watchlist changed.",
    "watchlists": "Inspect the watchlists and how their terms perform.",
    "feeds": "List, add, remove, import or export feeds.",
    "search": "Full-text search over every stored item.",
    "doctor": "Show paths, database health and feed problems.",
    "digest": "Export a digest of what matched.",
    "daemon": "Poll on a schedule without the app, and notify.",
    "notify": "Send a test notification.",
    "demo": "Run the app on bundled sample feeds served locally.",
    "stories": "Group items (JSON lines) into stories without storing them.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None
        command: click.Command = getattr(module, attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Describe commands without importing them all, which would make --help slow.
        rows = [(name, HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrieferError as exc:
            click.echo(f"briefer: {exc}", err=True)
            ctx.exit(exc.exit_code)


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

        run_app(ctx.obj)


def run() -> None:  # pragma: no cover - console entry point alias
    sys.exit(main())
