-- The result grid counts a job's items per state on every change it shows: an index that holds the
-- states lets SQLite count from the index alone, without reading each row.

-- +goose Up
CREATE INDEX job_items_states ON job_items (job_id, key_state, restart_state, key_change, last_status, key_retryable, restart_retryable);
