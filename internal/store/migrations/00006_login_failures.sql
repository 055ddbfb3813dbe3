-- Sign-in failures counted three ways (issue #11), replacing the per-username login_throttle:
-- an attacker's failures from one address no longer hold the account back everywhere.
--   pair:    one account from one client address (the address: IPv4, or an IPv6 /64)
--   address: every account from one client address
--   account: one account from every address, a much higher backstop
-- Each counter counts the failures of a window that opens with its first failure.

-- +goose Up
CREATE TABLE login_failures (
    scope            TEXT    NOT NULL,  -- pair | address | account
    account          TEXT    NOT NULL,  -- normalized user name; '' for scope address
    address          TEXT    NOT NULL,  -- client address; '' for scope account
    failures         INTEGER NOT NULL,
    first_failure_at BIGINT  NOT NULL,  -- the window opened here
    last_failure_at  BIGINT  NOT NULL,
    PRIMARY KEY (scope, account, address)
);
CREATE INDEX login_failures_last ON login_failures (last_failure_at);

DROP TABLE login_throttle;
