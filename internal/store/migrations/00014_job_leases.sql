-- Several replicas (issue #12): each active job is worked by one engine at a time, the holder of
-- its lease. The holder renews it while it works the job; once it has expired another engine may
-- take it, and the fence grows by one each time the lease changes hands. Every write the engine
-- makes for a job checks in the same transaction that its owner and fence still hold, so an
-- engine that lost the lease (a paused or partitioned process) writes nothing more for the job.

-- +goose Up
CREATE TABLE job_leases (
    job_id     BIGINT NOT NULL PRIMARY KEY REFERENCES jobs (id),
    owner      TEXT   NOT NULL,  -- the engine: host, process and a random part
    fence      BIGINT NOT NULL,  -- grows by one each time another engine takes the lease
    expires_at BIGINT NOT NULL   -- unix microseconds; 0 = released
);
CREATE INDEX job_leases_owner ON job_leases (owner);
