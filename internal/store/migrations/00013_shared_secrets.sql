-- Several replicas (issue #12): values every replica must agree on and that are generated once,
-- the first time one is needed: the session cookie keys when --cookie-keys is not given and the
-- database is PostgreSQL (on SQLite they stay in the data directory's cookie-keys file).

-- +goose Up
CREATE TABLE shared_secrets (
    name       TEXT   NOT NULL PRIMARY KEY,
    value      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
