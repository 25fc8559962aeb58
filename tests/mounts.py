"""Run a command with private mounts (a tiny tmpfs, a read-only file) or without a network,
as a user would meet them: as root in new namespaces, else in a user namespace where that
is allowed.

Tests that need this skip on a laptop that allows neither, and fail when CI is set.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

import pytest


def _works(prefix: list[str]) -> bool:
    return subprocess.run([*prefix, "true"], capture_output=True).returncode == 0


def with_mounts(setup: list[str], argv: list[str], *, network: bool = True) -> list[str]:
    """argv run after the shell commands `setup` (mounts), in a private mount namespace;
    with network=False also in a network namespace of its own (no route, no DNS)."""
    flags = "-m" if network else "-mn"
    if shutil.which("unshare") is not None:
        prefix = ["unshare", flags] if os.geteuid() == 0 else ["unshare", "-r" + flags[1:]]
        if _works(prefix):
            script = " && ".join([*setup, shlex.join(argv)])
            return [*prefix, "sh", "-c", script]
    if os.environ.get("CI"):
        pytest.fail("CI must allow private namespaces (root, or user namespaces) for this test")
    pytest.skip("cannot make private namespaces here (needs root or user namespaces)")


def tmpfs(path: str, size: str) -> str:
    return f"mount -t tmpfs -o size={size} tmpfs {shlex.quote(path)}"


def read_only_file(path: str) -> list[str]:
    q = shlex.quote(path)
    return [f"mount --bind {q} {q}", f"mount -o remount,ro,bind {q}"]
