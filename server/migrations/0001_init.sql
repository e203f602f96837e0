-- Users, environments, the resource journal and runs.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE environments (
    id         TEXT PRIMARY KEY,
    owner_id   TEXT NOT NULL REFERENCES users(id),
    name       TEXT NOT NULL,
    region     TEXT NOT NULL,
    spec_json  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- AWS names are unique per account and region; the console acts as one account.
    UNIQUE (region, name)
);
CREATE INDEX environments_owner ON environments(owner_id, created_at);

-- The journal: one row per resource, written before (pending) and after (created) the
-- AWS call, removed once AWS no longer has the resource.
CREATE TABLE resources (
    environment_id TEXT NOT NULL REFERENCES environments(id),
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    arn            TEXT,
    status         TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (environment_id, kind)
);

CREATE TABLE runs (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id),
    kind           TEXT NOT NULL,
    state          TEXT NOT NULL,
    started_by     TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    current_step   TEXT,
    error          TEXT
);
CREATE INDEX runs_environment ON runs(environment_id, started_at);
-- At most one run in progress per environment.
CREATE UNIQUE INDEX runs_one_active ON runs(environment_id) WHERE state = 'running';
