-- Job engine (internal/jobs): a job, the user requests made on it, and one row per instance.
-- Times are BIGINT unix microseconds (0 = not set); booleans are INTEGER 0/1.

-- +goose Up
CREATE TABLE jobs (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT    NOT NULL,                -- bind | unbind | rollback
    region             TEXT    NOT NULL,
    key_pair           TEXT    NOT NULL DEFAULT '',     -- '' for rollback: items differ
    idempotency_key    TEXT    NOT NULL UNIQUE,         -- server-issued per review form
    created_by_id      BIGINT  NOT NULL,
    created_by_name    TEXT    NOT NULL,
    created_by_role    TEXT    NOT NULL,
    created_ip         TEXT    NOT NULL DEFAULT '',
    created_via        TEXT    NOT NULL DEFAULT '',
    restart_after_bind INTEGER NOT NULL DEFAULT 0,
    restart_force      INTEGER NOT NULL DEFAULT 0,
    wave_size          INTEGER NOT NULL,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    finished_at        BIGINT  NOT NULL DEFAULT 0       -- 0 while the engine has work
);
CREATE INDEX jobs_finished ON jobs (finished_at, id);

-- Who asked for what on a job: the creation, restart requests, retries, operator decisions.
-- Items point at the request that queued their current work, so the audit entry for a cloud
-- call names the person who asked for it.
CREATE TABLE job_requests (
    id         INTEGER PRIMARY KEY,
    job_id     BIGINT  NOT NULL REFERENCES jobs (id),
    kind       TEXT    NOT NULL,
    user_id    BIGINT  NOT NULL,
    username   TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    ip         TEXT    NOT NULL DEFAULT '',
    via        TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL
);
CREATE INDEX job_requests_job ON job_requests (job_id, id);

CREATE TABLE job_items (
    job_id             BIGINT  NOT NULL REFERENCES jobs (id),
    seq                INTEGER NOT NULL,                -- request order
    instance_id        TEXT    NOT NULL,
    name               TEXT    NOT NULL DEFAULT '',
    os_name            TEXT    NOT NULL DEFAULT '',
    plan_status        TEXT    NOT NULL DEFAULT '',
    previous_key       TEXT    NOT NULL DEFAULT '',
    action             TEXT    NOT NULL DEFAULT '',     -- attach | detach | '' (excluded)
    key_pair           TEXT    NOT NULL DEFAULT '',     -- key pair named in the call
    expect_key         TEXT    NOT NULL DEFAULT '',     -- KeyPairName once the call succeeded
    key_change         TEXT    NOT NULL DEFAULT '',
    exclude_reason     TEXT    NOT NULL DEFAULT '',

    key_state          TEXT    NOT NULL,                -- excluded | pending | attempting | applied | done | failed
    key_attempts       INTEGER NOT NULL DEFAULT 0,
    key_code           TEXT    NOT NULL DEFAULT '',
    key_message        TEXT    NOT NULL DEFAULT '',
    key_request_id     TEXT    NOT NULL DEFAULT '',     -- cloud RequestId
    key_retryable      INTEGER NOT NULL DEFAULT 0,
    key_next_at        BIGINT  NOT NULL DEFAULT 0,
    key_at             BIGINT  NOT NULL DEFAULT 0,
    key_req            BIGINT  NOT NULL DEFAULT 0,      -- job_requests.id

    restart_state      TEXT    NOT NULL DEFAULT '',
    op                 TEXT    NOT NULL DEFAULT '',     -- reboot | start
    force_stop         INTEGER NOT NULL DEFAULT 0,
    restart_attempts   INTEGER NOT NULL DEFAULT 0,
    restart_code       TEXT    NOT NULL DEFAULT '',
    restart_message    TEXT    NOT NULL DEFAULT '',
    restart_request_id TEXT    NOT NULL DEFAULT '',
    restart_retryable  INTEGER NOT NULL DEFAULT 0,
    last_status        TEXT    NOT NULL DEFAULT '',
    seen_transition    INTEGER NOT NULL DEFAULT 0,
    queued_at          BIGINT  NOT NULL DEFAULT 0,
    next_at            BIGINT  NOT NULL DEFAULT 0,
    requested_at       BIGINT  NOT NULL DEFAULT 0,
    accepted_at        BIGINT  NOT NULL DEFAULT 0,
    stopped_since      BIGINT  NOT NULL DEFAULT 0,
    deadline           BIGINT  NOT NULL DEFAULT 0,
    restart_req        BIGINT  NOT NULL DEFAULT 0,      -- job_requests.id

    updated_at         BIGINT  NOT NULL,
    PRIMARY KEY (job_id, instance_id)
);
CREATE INDEX job_items_seq ON job_items (job_id, seq);
