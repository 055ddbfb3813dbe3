-- Single sign-on (issue #13): an account made by a sign-in through an OpenID Provider is that
-- provider's person, named by the issuer and the subject (sub) of their ID tokens, never by their
-- e-mail or user name. Such accounts have no password (password_hash is ''). A session made by
-- single sign-on keeps the provider's ID token, server-side only, to offer the provider's
-- end-session page at sign-out; it goes with the row.

-- +goose Up
ALTER TABLE users ADD COLUMN sso_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN sso_subject TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_sso_identity ON users (sso_issuer, sso_subject) WHERE sso_subject <> '';
ALTER TABLE sessions ADD COLUMN sso_id_token TEXT NOT NULL DEFAULT '';
