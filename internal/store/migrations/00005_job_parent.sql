-- A rollback job remembers the job whose keys it restores.

-- +goose Up
ALTER TABLE jobs ADD COLUMN parent_job_id BIGINT REFERENCES jobs (id);
