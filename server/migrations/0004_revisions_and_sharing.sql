-- Spec revisions (optimistic concurrency on environments.revision), share links and the
-- access they grant, and the steps of runs.
ALTER TABLE environments ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;

CREATE TABLE revisions (
    environment_id TEXT NOT NULL REFERENCES environments(id),
    number         INTEGER NOT NULL,
    author         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    message        TEXT NOT NULL,
    spec_json      TEXT NOT NULL,
    PRIMARY KEY (environment_id, number)
);
-- Every existing environment's spec becomes its revision 1.
INSERT INTO revisions (environment_id, number, author, created_at, message, spec_json)
SELECT e.id, 1, u.username, e.created_at, 'created', e.spec_json
FROM environments e JOIN users u ON u.id = e.owner_id;

-- Tokens are stored only as their SHA-256. Times here are RFC 3339 UTC to the second
-- (`2026-11-29T21:10:31Z`), so that they compare as text (expires_at NULL: never).
CREATE TABLE share_links (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id),
    token_hash     TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT,
    revoked_at     TEXT
);
CREATE INDEX share_links_environment ON share_links(environment_id);

-- Who opened which link: access lasts while the link is neither revoked nor expired.
CREATE TABLE grants (
    environment_id TEXT NOT NULL REFERENCES environments(id),
    user_id        TEXT NOT NULL REFERENCES users(id),
    link_id        TEXT NOT NULL REFERENCES share_links(id),
    granted_at     TEXT NOT NULL,
    PRIMARY KEY (environment_id, user_id, link_id)
);
CREATE INDEX grants_user ON grants(user_id);
