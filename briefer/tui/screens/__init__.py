"""One screen per module: the briefing, an item, search, feeds, help and small dialogs."""
