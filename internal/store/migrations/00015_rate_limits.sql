-- Several replicas (issue #12): the API's rate limits are counted in the database, so that N
-- replicas do not allow N times the limit. One row per limited key (a user, a client address),
-- holding the key's theoretical arrival time (GCRA, the token bucket as one number): a call is
-- allowed while tat - now stays within the burst, and moves tat on by one interval.

-- +goose Up
CREATE TABLE rate_limits (
    key TEXT   NOT NULL PRIMARY KEY,
    tat BIGINT NOT NULL  -- unix microseconds
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);
