-- Wizard drafts (issue 6): the spec being built one step at a time, kept per user so a
-- reload (or another device) loses nothing; deleted when the environment is created.
CREATE TABLE drafts (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    spec_json     TEXT NOT NULL,
    template_json TEXT NOT NULL,
    step          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX drafts_user ON drafts (user_id);
