-- Rollouts at fleet scale (issue #9): a sliding restart window instead of waves, a budget of
-- failed restarts before the job pauses, start with one, pause, resume and cancel; adaptive
-- status polling; the key re-read after a restart; the instance's StartTime as evidence.

-- +goose Up
ALTER TABLE jobs ADD COLUMN window_spec TEXT NOT NULL DEFAULT '';       -- as asked: "10%" or "25"; '' = wave_size
ALTER TABLE jobs ADD COLUMN max_errors INTEGER NOT NULL DEFAULT 0;       -- failed restarts allowed before a pause
ALTER TABLE jobs ADD COLUMN max_errors_spec TEXT NOT NULL DEFAULT '';   -- as asked: "0", "5" or "2%"
ALTER TABLE jobs ADD COLUMN start_with_one INTEGER NOT NULL DEFAULT 0;   -- one restart first, then the window
ALTER TABLE jobs ADD COLUMN paused_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN pause_reason TEXT NOT NULL DEFAULT '';      -- errors | person
ALTER TABLE jobs ADD COLUMN paused_by TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN errors_accepted INTEGER NOT NULL DEFAULT 0;  -- failed restarts a person resumed past
ALTER TABLE jobs ADD COLUMN cancelled_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN cancelled_by TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN transition_ms BIGINT NOT NULL DEFAULT 0;     -- how long a restart took, as observed

ALTER TABLE job_items ADD COLUMN next_poll_at BIGINT NOT NULL DEFAULT 0;  -- the status is read again from here on
ALTER TABLE job_items ADD COLUMN polls INTEGER NOT NULL DEFAULT 0;         -- status reads since the restart
ALTER TABLE job_items ADD COLUMN replaced_by TEXT NOT NULL DEFAULT '';    -- the key found after the restart, when not the job's
ALTER TABLE job_items ADD COLUMN start_time BIGINT NOT NULL DEFAULT 0;    -- the instance's StartTime as last read
ALTER TABLE job_items ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0;  -- a restart whose answer was lost: watched for evidence
