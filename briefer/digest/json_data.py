"""The digest as plain JSON data, described by docs/digest.schema.json."""

from __future__ import annotations

from typing import Any

from briefer.digest.filters import iso
from briefer.digest.model import Digest
from briefer.sanitize import safe_link

SCHEMA_VERSION = 1


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
            "items": d.item_count,
            "matches": d.match_count,
            "sources": d.source_count,
            "feed_problems": len(d.problems),
        },
        "issues": [
            {
                "id": s.issue_id,
                "title": s.title,
                "baseline": s.baseline,
                "match_count": s.match_count,
                "story_count": s.story_count,
                "omitted": s.omitted,
                "entries": [
                    {
                        "item_id": e.item_id,
                        "title": e.title,
                        "summary": e.summary,
                        "link": safe_link(e.link),
                        "published": iso(e.published),
                        "score": e.score,
                        "terms": list(e.terms),
                        "sources": [
                            {
                                "feed_title": src.feed_title,
                                "feed_url": src.feed_url,
                                "item_id": src.item_id,
                                "title": src.title,
                                "link": safe_link(src.link),
                                "published": iso(src.published),
                            }
                            for src in e.sources
                        ],
                    }
                    for e in s.entries
                ],
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
