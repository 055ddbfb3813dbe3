-- Cloud accounts and who may use which (issue #14). An account is an AccessKey pair or a RAM role
-- ARN assumed through STS with the console's own credentials; the account "default" (the
-- console's own credentials) is not stored. The AccessKey secret is sealed with AES-GCM under the
-- console's secret key (internal/accounts) and never read back in clear to a page.
-- A grant lets a helpdesk user, the members of an SSO group, or everyone work in an account;
-- administrators work in every account. Jobs remember the account they work in.

-- +goose Up
CREATE TABLE cloud_accounts (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    kind             TEXT    NOT NULL,                -- accesskey | role
    access_key_id    TEXT    NOT NULL DEFAULT '',
    sealed_secret    TEXT    NOT NULL DEFAULT '',     -- base64 nonce||ciphertext; '' for roles
    role_arn         TEXT    NOT NULL DEFAULT '',
    external_id      TEXT    NOT NULL DEFAULT '',
    default_regions  TEXT    NOT NULL DEFAULT '',     -- comma-separated region IDs
    created_by       TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL
);

-- account is a cloud_accounts name or 'default'; deleting an account deletes its grants.
CREATE TABLE account_grants (
    account     TEXT    NOT NULL,
    subject     TEXT    NOT NULL,                     -- 'user:<name>' | 'group:<SSO group>' | '*' (every user)
    created_by  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (account, subject)
);
-- Nothing changes for today's users: everyone keeps the console's own credentials until an
-- administrator takes this grant back.
INSERT INTO account_grants (account, subject, created_by, created_at) VALUES ('default', '*', 'migration', 0);

-- The SSO groups a user had at their last single sign-on, for group grants.
CREATE TABLE user_sso_groups (
    user_id  BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    grp      TEXT    NOT NULL,
    PRIMARY KEY (user_id, grp)
);

ALTER TABLE jobs ADD COLUMN account TEXT NOT NULL DEFAULT 'default';
ALTER TABLE audit ADD COLUMN account TEXT NOT NULL DEFAULT '';     -- the cloud account of a cloud action

