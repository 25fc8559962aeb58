"""Regenerate the README screenshots: the app on `briefer demo` data, as Textual SVGs.

    .venv/bin/python docs/screenshots/make_screenshots.py

Runs the demo's local feed server, lets the in-app scheduler poll three times, then saves
the briefing, a story, an item, a search and the feeds screen next to this file.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from briefer.cli.context import AppContext  # noqa: E402
from briefer.demo import DemoServer, write_demo_home  # noqa: E402
from briefer.tui.app import BrieferApp  # noqa: E402
from briefer.tui.briefing import Services  # noqa: E402
from briefer.tui.messages import FeedsPolled  # noqa: E402

SIZE = (120, 36)


async def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="briefer-shots-"))
    os.environ["BRIEFER_HOME"] = str(home)
    polls = 0

    def hook(message: object) -> None:
        nonlocal polls
        polls += isinstance(message, FeedsPolled)

    with DemoServer() as server:
        config = write_demo_home(home, server)
        config.write_text(config.read_text() + "\n[notify]\nenabled = false\n")
        app = BrieferApp(Services.from_context(AppContext()), poll_seconds=2, poll_every=True)
        async with app.run_test(size=SIZE, message_hook=hook) as pilot:
            while polls < 3:
                await asyncio.sleep(0.2)
            app.scheduler.shutdown()  # type: ignore[union-attr]  # hold the picture still
            await app.workers.wait_for_complete()
            await pilot.pause(0.5)
            app.clear_notifications()
            await pilot.pause()

            async def shot(name: str, *keys: str) -> None:
                for key in keys:
                    await pilot.press(key)
                    await app.workers.wait_for_complete()
                    await pilot.pause(0.3)
                app.clear_notifications()
                await pilot.pause()
                app.save_screenshot(str(HERE / f"{name}.svg"))

            await shot("briefing", "down", "v")  # best first: the widest coverage on top
            # enter on the watchlist moves to the story list; the top story opens
            await shot("story", "enter", "ctrl+home", "enter")
            await shot("item", "enter")
            await shot("search", "escape", "escape", "slash", *"aranceles", "enter")
            await shot("feeds", "escape", "f")


if __name__ == "__main__":
    asyncio.run(main())
