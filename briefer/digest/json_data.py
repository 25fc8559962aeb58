"""The digest as plain JSON data, described by docs/digest.schema.json."""

from __future__ import annotations

from typing import Any

from briefer.digest.filters import iso
from briefer.digest.model import Digest, DigestOutlet, DigestStory
from briefer.sanitize import safe_link

# 2: stories (with their outlets) instead of entries (with their feeds); trend per issue.
SCHEMA_VERSION = 2


def _outlet(o: DigestOutlet) -> dict[str, Any]:
    return {
        "name": o.name,
        "link": safe_link(o.link),
        "lang": o.lang,
        "published": iso(o.published),
        "title": o.title,
        "item_id": o.item_id,
    }


def _story(s: DigestStory, in_full: bool) -> dict[str, Any]:
    return {
        "story_id": s.story_id,
        "headline": s.headline,
        "summary": s.summary,
        "link": safe_link(s.link),
        "first_seen": iso(s.first_seen),
        "last_update": iso(s.last_update),
        "score": s.score,
        "terms": list(s.terms),
        "items": s.items,
        "outlet_count": s.outlet_count,
        "langs": list(s.langs),
        "in_full": in_full,
        "outlets": [_outlet(o) for o in s.outlets],
    }


def to_json_dict(d: Digest) -> dict[str, Any]:
    """The digest as plain JSON data; docs/digest.schema.json describes it."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generated": iso(d.generated),
        "period": {
            "start": iso(d.start),
            "end": iso(d.end),
            "timezone": d.timezone,
            "kind": d.period_kind,
        },
        "totals": {
            "issues": len(d.sections),
            "issues_with_news": d.active_issue_count,
            "stories": d.story_count,
            "matches": d.match_count,
            "feed_problems": len(d.problems),
        },
        "issues": [
            {
                "id": s.issue_id,
                "title": s.title,
                "baseline": s.baseline,
                "story_count": s.story_count,
                "match_count": s.match_count,
                "omitted": s.omitted,
                "daily_stories": list(s.daily),
                "surging": s.surging,
                "stories": [_story(st, n < s.full) for n, st in enumerate(s.stories)],
            }
            for s in d.sections
        ],
        "feed_problems": [
            {
                "title": p.title,
                "url": p.url,
                "error": p.error,
                "error_count": p.error_count,
                "disabled": p.disabled,
                "disabled_reason": p.disabled_reason,
                "last_polled": iso(p.last_polled) if p.last_polled else None,
            }
            for p in d.problems
        ],
    }
