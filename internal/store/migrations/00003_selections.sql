-- Each user's selected instances per region for the binding flow: kept on
-- the server because a selection holds thousands of IDs and a cookie 4 KB.

-- +goose Up
CREATE TABLE selections (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    region      TEXT   NOT NULL,
    instance_id TEXT   NOT NULL,
    added_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, region, instance_id)
);
