-- Change counters (issue #12, page throughput): what a signed-in page reads on every request —
-- the session and its user, the person's preferences, the cloud accounts and grants — is kept in
-- each replica's memory for as long as these counters say it cannot have changed. Every request
-- reads this one row (one small query instead of five); triggers count every write that could
-- change what is kept, whoever makes it (any replica, the CLI), in the writing transaction, so
-- a revocation is seen by the next request on every replica.
--   auth: sessions (data, user, ID token; not last_seen_at, which each replica checks itself),
--         users, user_prefs, user_sso_groups, cloud_accounts, account_grants;
--   jobs: a new job, and a job that finishes, pauses, resumes or is cancelled (what decides
--         whether the dashboard's lists of unfinished jobs are empty).

-- +goose Up
CREATE TABLE change_counters (
    one  SMALLINT NOT NULL PRIMARY KEY CHECK (one = 1),
    auth BIGINT   NOT NULL DEFAULT 0,
    jobs BIGINT   NOT NULL DEFAULT 0
);
INSERT INTO change_counters (one) VALUES (1);

-- +keybind sqlite
-- SQLite has no trigger on several events: one a table and event, all run as one batch.
-- +goose StatementBegin
CREATE TRIGGER users_count_ins AFTER INSERT ON users BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER users_count_upd AFTER UPDATE ON users BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER users_count_del AFTER DELETE ON users BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER sessions_count_upd AFTER UPDATE OF user_id, data, sso_id_token ON sessions BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER sessions_count_del AFTER DELETE ON sessions BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER user_prefs_count_ins AFTER INSERT ON user_prefs BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER user_prefs_count_upd AFTER UPDATE ON user_prefs BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER user_prefs_count_del AFTER DELETE ON user_prefs BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER user_sso_groups_count_ins AFTER INSERT ON user_sso_groups BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER user_sso_groups_count_upd AFTER UPDATE ON user_sso_groups BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER user_sso_groups_count_del AFTER DELETE ON user_sso_groups BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER cloud_accounts_count_ins AFTER INSERT ON cloud_accounts BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER cloud_accounts_count_upd AFTER UPDATE ON cloud_accounts BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER cloud_accounts_count_del AFTER DELETE ON cloud_accounts BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER account_grants_count_ins AFTER INSERT ON account_grants BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER account_grants_count_upd AFTER UPDATE ON account_grants BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER account_grants_count_del AFTER DELETE ON account_grants BEGIN UPDATE change_counters SET auth = auth + 1; END;
CREATE TRIGGER jobs_count_ins AFTER INSERT ON jobs BEGIN UPDATE change_counters SET jobs = jobs + 1; END;
CREATE TRIGGER jobs_count_upd AFTER UPDATE OF finished_at, paused_at, cancelled_at ON jobs
    WHEN OLD.finished_at <> NEW.finished_at OR OLD.paused_at <> NEW.paused_at OR OLD.cancelled_at <> NEW.cancelled_at
    BEGIN UPDATE change_counters SET jobs = jobs + 1; END;
-- +goose StatementEnd
-- +keybind end

-- +keybind postgres
-- Counted at commit (deferred constraint triggers): the counter row is the last lock a
-- transaction takes, so two writers never wait on each other through it.
-- +goose StatementBegin
CREATE FUNCTION count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = 'jobs' THEN
        UPDATE change_counters SET jobs = jobs + 1;
    ELSE
        UPDATE change_counters SET auth = auth + 1;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER users_count AFTER INSERT OR UPDATE OR DELETE ON users DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION count_change('auth');
CREATE CONSTRAINT TRIGGER sessions_count AFTER UPDATE OF user_id, data, sso_id_token OR DELETE ON sessions DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION count_change('auth');
CREATE CONSTRAINT TRIGGER user_prefs_count AFTER INSERT OR UPDATE OR DELETE ON user_prefs DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION count_change('auth');
CREATE CONSTRAINT TRIGGER user_sso_groups_count AFTER INSERT OR UPDATE OR DELETE ON user_sso_groups DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION count_change('auth');
CREATE CONSTRAINT TRIGGER cloud_accounts_count AFTER INSERT OR UPDATE OR DELETE ON cloud_accounts DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION count_change('auth');
CREATE CONSTRAINT TRIGGER account_grants_count AFTER INSERT OR UPDATE OR DELETE ON account_grants DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION count_change('auth');
CREATE CONSTRAINT TRIGGER jobs_count_ins AFTER INSERT ON jobs DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION count_change('jobs');
CREATE CONSTRAINT TRIGGER jobs_count_upd AFTER UPDATE OF finished_at, paused_at, cancelled_at ON jobs DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.finished_at <> NEW.finished_at OR OLD.paused_at <> NEW.paused_at OR OLD.cancelled_at <> NEW.cancelled_at)
    EXECUTE FUNCTION count_change('jobs');
-- +keybind end
