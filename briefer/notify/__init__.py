"""Desktop notifications for new stories: coalesced per issue, never twice for a story.

One module per job:
- `alerts`: what to say (pure): one `Alert` per issue for its new stories ("5 new stories on
  Tariffs"), one for stories spreading, "While you were away" after quiet hours.
- `terminal`: the terminal's notification escape, the TUI's fallback (pure).
- `desktop`: the desktop channel through desktop-notifier, probed once and re-probed at most
  every 10 minutes, because a failed send reports nothing.
- `backend`: the only code that reaches past desktop-notifier's public API.
- `after_poll`: the step after a poll: thresholds, the story_notices ledger (a copy of a
  story already announced is silent), quiet hours and their summary, delivery.
- `probe`: the sentence `briefer doctor` prints.

The names the rest of briefer uses are importable from here. No Textual, no click.
"""

from briefer.notify.after_poll import (
    Channel,
    Fallback,
    IssueLike,
    NotifyResult,
    StoryLedger,
    deliver,
    eligible,
    in_quiet_hours,
    notify_new_matches,
)
from briefer.notify.alerts import (
    Alert,
    StoryNews,
    away_alert,
    build_alerts,
    digest_alert,
    escape_markup,
)
from briefer.notify.desktop import DesktopNotifications, OnClick, fix_session_bus_address
from briefer.notify.probe import probe_channel
from briefer.notify.terminal import (
    TerminalProtocol,
    terminal_escape,
    terminal_fallback,
    terminal_protocol,
)

__all__ = [
    "Alert",
    "Channel",
    "DesktopNotifications",
    "Fallback",
    "IssueLike",
    "NotifyResult",
    "OnClick",
    "StoryLedger",
    "StoryNews",
    "TerminalProtocol",
    "away_alert",
    "build_alerts",
    "deliver",
    "digest_alert",
    "eligible",
    "escape_markup",
    "fix_session_bus_address",
    "in_quiet_hours",
    "notify_new_matches",
    "probe_channel",
    "terminal_escape",
    "terminal_fallback",
    "terminal_protocol",
]
