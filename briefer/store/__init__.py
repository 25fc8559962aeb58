"""The SQLite store: schema, migrations, idempotent writes, and every query the app makes.

Only this package talks SQL. One Store per thread (sqlite3 connections belong to the thread
that opened them); WAL lets readers in other threads and processes carry on while a poll
writes, and each feed's results are committed in one short transaction.

`Store` is the one entry point; each concern is a module of its own, composed here:
connection (open, transactions, errors, meta), schema (migrations), feeds, writes (the
poll write path), queries (matches, items, search), state (read, starred, dismissed,
notified), bulk (rematch work), stats (panel and term statistics), story_queries (an issue's
stories, a story's items, story counts) and story_state (read, starred, dismissed and
notified per story), grouping (regrouping work) and retention (pruning old items nobody
needs, reclaiming space).
"""

from __future__ import annotations

from briefer.models import (
    FeedRow,
    ItemRow,
    MatchChanges,
    MatchRow,
    SearchRow,
    StoryActivity,
    StoryMember,
    StoryRow,
    TermStat,
)
from briefer.store.bulk import BulkMixin
from briefer.store.connection import BUSY_TIMEOUT_MS, StoreBase
from briefer.store.feeds import FeedsMixin
from briefer.store.grouping import GroupingMixin
from briefer.store.prepared import PreparedItem, PreparedMatch, prepare_items
from briefer.store.queries import QueriesMixin
from briefer.store.retention import PruneEstimate, PruneResult, RetentionMixin, SpaceResult
from briefer.store.rows import (
    EncodedMatch,
    encode_matches,
    from_db_time,
    fts_query,
    hits_from_json,
    hits_to_json,
    to_db_time,
)
from briefer.store.schema import MIGRATION_ATTEMPTS, SCHEMA_VERSION
from briefer.store.state import StateMixin
from briefer.store.stats import StatsMixin
from briefer.store.story_queries import StoryQueriesMixin
from briefer.store.story_state import StoryStateMixin
from briefer.store.writes import WritesMixin

__all__ = [
    "BUSY_TIMEOUT_MS",
    "MIGRATION_ATTEMPTS",
    "SCHEMA_VERSION",
    "EncodedMatch",
    "FeedRow",
    "ItemRow",
    "MatchChanges",
    "MatchRow",
    "PreparedItem",
    "PreparedMatch",
    "PruneEstimate",
    "PruneResult",
    "SearchRow",
    "SpaceResult",
    "Store",
    "StoryActivity",
    "StoryMember",
    "StoryRow",
    "TermStat",
    "encode_matches",
    "from_db_time",
    "fts_query",
    "hits_from_json",
    "hits_to_json",
    "prepare_items",
    "to_db_time",
]


class Store(
    FeedsMixin,
    WritesMixin,
    QueriesMixin,
    StateMixin,
    BulkMixin,
    StatsMixin,
    StoryQueriesMixin,
    StoryStateMixin,
    GroupingMixin,
    RetentionMixin,
    StoreBase,
):
    """An open briefer database."""
