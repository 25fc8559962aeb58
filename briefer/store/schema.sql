-- The current schema, for a new database: what the migrations in schema.py build, made in
-- one transaction without them (a test checks that the two agree). Any change to the
-- schema is a new migration and goes here too.
CREATE TABLE "meta" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
);
CREATE TABLE "feeds" (
   "id" INTEGER PRIMARY KEY,
   "url" TEXT NOT NULL,
   "title" TEXT,
   "added" TEXT,
   "etag" TEXT,
   "last_modified" TEXT,
   "last_polled" TEXT,
   "last_status" TEXT,
   "last_http_status" INTEGER,
   "last_error" TEXT,
   "last_warning" TEXT,
   "error_count" INTEGER DEFAULT 0,
   "next_due" TEXT,
   "disabled" INTEGER DEFAULT 0,
   "disabled_reason" TEXT,
   "ttl_minutes" INTEGER
, chosen_title TEXT);
CREATE UNIQUE INDEX "idx_feeds_url"
    ON "feeds" ("url");
CREATE TABLE "items" (
   "id" INTEGER PRIMARY KEY,
   "feed_id" INTEGER NOT NULL REFERENCES "feeds"("id"),
   "guid" TEXT NOT NULL,
   "link" TEXT,
   "title" TEXT NOT NULL,
   "summary" TEXT,
   "author" TEXT,
   "published" TEXT NOT NULL,
   "fetched" TEXT,
   "content_hash" TEXT
, outlet TEXT NOT NULL DEFAULT '', outlet_url TEXT, lang TEXT NOT NULL DEFAULT '', story_id INTEGER);
CREATE UNIQUE INDEX "idx_items_feed_id_guid"
    ON "items" ("feed_id", "guid");
CREATE INDEX "idx_items_published"
    ON "items" ("published");
CREATE VIRTUAL TABLE "items_fts" USING FTS5 (
    "title", "summary",
    tokenize='unicode61 remove_diacritics 2',
    content="items"
);
CREATE TRIGGER "items_ai" AFTER INSERT ON "items" BEGIN
  INSERT INTO "items_fts" (rowid, "title", "summary") VALUES (new.rowid, new."title", new."summary");
END;
CREATE TRIGGER "items_ad" AFTER DELETE ON "items" BEGIN
  INSERT INTO "items_fts" ("items_fts", rowid, "title", "summary") VALUES('delete', old.rowid, old."title", old."summary");
END;
CREATE TABLE "matches" (
   "item_id" INTEGER REFERENCES "items"("id"),
   "issue_id" TEXT,
   "score" REAL,
   "terms" TEXT,
   "version" TEXT,
   "matched_at" TEXT,
   PRIMARY KEY ("item_id", "issue_id")
);
CREATE INDEX "idx_matches_issue_id_score"
    ON "matches" ("issue_id", "score");
CREATE TABLE "item_state" (
   "item_id" INTEGER PRIMARY KEY,
   "read" INTEGER DEFAULT 0,
   "starred" INTEGER DEFAULT 0,
   "notified" TEXT
);
CREATE TABLE "feedback" (
   "item_id" INTEGER,
   "issue_id" TEXT,
   "verdict" TEXT,
   "at" TEXT,
   PRIMARY KEY ("item_id", "issue_id")
);
CREATE INDEX idx_items_story_id ON items(story_id);
CREATE TABLE story_dismissals (story_id INTEGER NOT NULL, issue_id TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (story_id, issue_id));
CREATE TABLE story_notices (story_id INTEGER NOT NULL, issue_id TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (story_id, issue_id, kind));
CREATE TRIGGER items_au AFTER UPDATE OF title, summary ON items BEGIN INSERT INTO items_fts (items_fts, rowid, title, summary) VALUES ('delete', old.rowid, old.title, old.summary); INSERT INTO items_fts (rowid, title, summary) VALUES (new.rowid, new.title, new.summary); END;
CREATE INDEX idx_matches_issue_item ON matches(issue_id, item_id, score);
