-- The steps of each run, with their timings and the error that stopped one.
CREATE TABLE run_steps (
    run_id      TEXT NOT NULL REFERENCES runs(id),
    seq         INTEGER NOT NULL,
    step        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    error       TEXT,
    PRIMARY KEY (run_id, seq)
);
