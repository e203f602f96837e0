-- Who did what to which environment, when, from which address.
CREATE TABLE audit (
    id             TEXT PRIMARY KEY,
    at             TEXT NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    environment_id TEXT,
    address        TEXT NOT NULL,
    detail         TEXT NOT NULL
);
CREATE INDEX audit_environment ON audit(environment_id, at);
