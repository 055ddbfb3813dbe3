-- keybind's first schema: accounts, sessions, login throttling, the audit
-- trail and per-user preferences. Times are BIGINT unix microseconds (UTC),
-- booleans are INTEGER 0/1, lists are JSON arrays of strings in TEXT.
-- PostgreSQL: INTEGER PRIMARY KEY becomes a BIGINT identity and the audit
-- triggers are PL/pgSQL (see migrate.go); the rest is the same.

-- +goose Up
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL UNIQUE,
    role                 TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,
    disabled             INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    created_at           BIGINT  NOT NULL,
    password_changed_at  BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);

-- The primary key is the hex SHA-256 of the session token; the token itself
-- is never stored.
CREATE TABLE sessions (
    id_hash      TEXT   PRIMARY KEY,
    user_id      BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    data         TEXT   NOT NULL DEFAULT '{}',
    client_ip    TEXT   NOT NULL DEFAULT '',
    user_agent   TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_last_seen_at ON sessions (last_seen_at);
CREATE INDEX sessions_created_at ON sessions (created_at);

-- One row per normalized username that failed to sign in, whether or not the
-- account exists.
CREATE TABLE login_throttle (
    username        TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at BIGINT  NOT NULL
);

-- Append-only: the triggers below refuse UPDATE and DELETE. user_id has no
-- foreign key so that the trail outlives any change to the users table.
CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    at           BIGINT  NOT NULL,
    user_id      BIGINT,
    username     TEXT    NOT NULL DEFAULT '',
    role         TEXT    NOT NULL DEFAULT '',
    via          TEXT    NOT NULL DEFAULT '',
    client_ip    TEXT    NOT NULL DEFAULT '',
    action       TEXT    NOT NULL,
    region       TEXT    NOT NULL DEFAULT '',
    key_pair     TEXT    NOT NULL DEFAULT '',
    instance_ids TEXT    NOT NULL DEFAULT '[]',
    outcome      TEXT    NOT NULL,
    detail       TEXT    NOT NULL DEFAULT '',
    request_ids  TEXT    NOT NULL DEFAULT '[]',
    job_id       BIGINT
);
CREATE INDEX audit_at ON audit (at, id);
CREATE INDEX audit_username_at ON audit (username, at);
CREATE INDEX audit_action_at ON audit (action, at);

-- +keybind sqlite
-- +goose StatementBegin
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
-- +goose StatementEnd
-- +keybind end

-- +keybind postgres
-- +goose StatementBegin
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
-- +keybind end

CREATE TABLE user_prefs (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, name)
);
