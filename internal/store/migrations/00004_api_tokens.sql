-- Personal API tokens for /api/v1. A token is shown to its user once; only
-- the hex SHA-256 of the whole token is kept. hint is the token's first few
-- characters (the "kb_" prefix and 4 random ones) so a user can tell tokens
-- apart in the list. Times are BIGINT unix microseconds, 0 = not set.

-- +goose Up
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    hint         TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL DEFAULT 0,  -- 0: never
    last_used_at BIGINT  NOT NULL DEFAULT 0,  -- 0: never used
    revoked_at   BIGINT  NOT NULL DEFAULT 0   -- 0: not revoked
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);
