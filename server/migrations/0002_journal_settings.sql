-- The settings each resource was applied with (for plans' field diffs), and a serial
-- that increases with every journal write (a plan made from an older serial is stale).
ALTER TABLE resources ADD COLUMN settings_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE environments ADD COLUMN journal_serial INTEGER NOT NULL DEFAULT 0;
