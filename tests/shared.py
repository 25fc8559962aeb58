"""Find ../shared (the project's reference material, beside the checkout).

Tests that need it may skip on a laptop without it, but fail in CI (CI is set), where it
is always present: a missing corpus there means the test silently proved nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BRIEFER_SHARED", REPO.parent / "shared"))


def require_shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing (set BRIEFER_SHARED to the shared folder)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
