"""Pilot tests: what keeps the app's event loop free while the reader presses keys."""

from __future__ import annotations

import gc

from briefer.tui.app import BrieferApp
from tests.tui.conftest import settle


async def test_what_lives_as_long_as_the_app_is_left_out_of_collections(app: BrieferApp) -> None:
    gc.unfreeze()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # Modules, classes and the first screen: a full collection no longer walks them.
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0  # handed back to the collector when the app ends
