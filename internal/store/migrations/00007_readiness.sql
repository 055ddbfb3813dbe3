-- One row that GET /readyz rewrites to prove the database takes writes.

-- +goose Up
CREATE TABLE readiness_probe (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at BIGINT  NOT NULL
);
