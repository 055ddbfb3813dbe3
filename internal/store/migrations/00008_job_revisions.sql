-- A change counter per job, so a page can ask for what changed since it last looked: every write
-- of a job's items bumps jobs.rev and stamps the changed items with it. And the reason (or ticket)
-- the person gave for the job.

-- +goose Up
ALTER TABLE jobs ADD COLUMN rev BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE job_items ADD COLUMN rev BIGINT NOT NULL DEFAULT 0;
CREATE INDEX job_items_rev ON job_items (job_id, rev);
