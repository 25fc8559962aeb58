"""Limits on what a search may ask for, checked before the full-text index is touched.

FTS5 work grows with every term: a pasted page of text (or thousands of repeated words)
took minutes and hundreds of MB. Repeated words are asked for once; beyond the limits the
user gets a sentence saying what the limit is.
"""

from __future__ import annotations

from briefer.errors import BrieferError

MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 20


class QueryTooLongError(BrieferError):
    exit_code = 2


class EmptyQueryError(BrieferError):
    """A query with no word in it (only spaces or punctuation): it could find nothing."""

    exit_code = 2


def search_words(text: str) -> list[str]:
    """The query's words, each once, in order; raises QueryTooLongError past the limits."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLongError(
            f"The search is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS}. "
            "Search for a few distinctive words instead."
        )
    words = list(dict.fromkeys(text.split()))
    if len(words) > MAX_QUERY_WORDS:
        raise QueryTooLongError(
            f"The search has {len(words)} different words; the limit is {MAX_QUERY_WORDS}. "
            "Every word must appear in an item, so a few distinctive ones find more."
        )
    return words
