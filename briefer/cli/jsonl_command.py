"""What `briefer match --jsonl` and `briefer stories --jsonl` share as commands: FILE or
stdin in, a reader that stops early (`| head`) ending quietly, and a bad line ending the
run with its message and exit status 2, so a pipeline never mistakes a broken input for a
quiet day."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import IO

import click

EXIT_BAD_INPUT = 2


def run_jsonl_command(command: str, source: str, run: Callable[[IO[bytes]], str | None]) -> None:
    """`run(stream)` over FILE (`source`) or stdin ("-"); it returns None or the error that
    stopped it, which is printed as `briefer COMMAND: SOURCE, ERROR`."""
    try:
        if source == "-":
            error = run(sys.stdin.buffer)
        else:
            try:
                stream = open(source, "rb")  # noqa: SIM115 - closed below, after the run
            except OSError as exc:
                raise click.FileError(source, hint=exc.strerror) from None
            with stream:
                error = run(stream)
    except BrokenPipeError:
        # The reader stopped early: not an error, and no traceback either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    if error is not None:
        click.echo(f"briefer {command}: {source}, {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
