-- Capacity samples of applied environments, for the capacity view's charts (kept two
-- days by the sampler).
CREATE TABLE capacity_samples (
    environment_id TEXT NOT NULL REFERENCES environments(id),
    at             TEXT NOT NULL,
    sample_json    TEXT NOT NULL,
    PRIMARY KEY (environment_id, at)
);
CREATE INDEX capacity_samples_at ON capacity_samples (at);
