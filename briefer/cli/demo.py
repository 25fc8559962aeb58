"""`briefer demo`: the full app on bundled sample feeds, served locally, in a temporary home."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import click

from briefer.cli.context import AppContext


@click.command()
@click.option(
    "--seconds",
    type=click.FloatRange(2, 3600),
    default=20.0,
    show_default=True,
    help="Poll the sample feeds this often; each poll reveals new items.",
)
@click.option(
    "--home",
    type=click.Path(path_type=Path, file_okay=False),
    help="Keep the demo's config and database in this folder instead of a temporary one.",
)
def demo(seconds: float, home: Path | None) -> None:
    """Run the app on bundled sample feeds served from 127.0.0.1 (no network needed)."""
    from briefer.demo import DemoServer, write_demo_home
    from briefer.tui.app import run_app

    folder = home or Path(tempfile.mkdtemp(prefix="briefer-demo-"))
    previous = os.environ.get("BRIEFER_HOME")
    # The demo's own home: its config, watchlists folder and database, never the user's.
    os.environ["BRIEFER_HOME"] = str(folder)
    try:
        with DemoServer() as server:
            write_demo_home(folder, server)
            run_app(AppContext(), poll_seconds=seconds, poll_every=True)
    finally:
        if previous is None:
            os.environ.pop("BRIEFER_HOME", None)
        else:
            os.environ["BRIEFER_HOME"] = previous
        if home is None:
            shutil.rmtree(folder, ignore_errors=True)
