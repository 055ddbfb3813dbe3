-- The job list finds the jobs that hold an instance, and the jobs of one person.

-- +goose Up
CREATE INDEX job_items_instance ON job_items (instance_id, job_id);
CREATE INDEX jobs_created_by ON jobs (created_by_name, id);
