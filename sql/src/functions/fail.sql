-- Records a failed attempt in the job's error history. With retries left the
-- job goes back to pending after retry_in (default: the queue's exponential
-- backoff with jitter); without, it is dead-lettered as failed. Fenced: NULL
-- when worker no longer holds the job.
-- PL/pgSQL rather than SQL on purpose: a SQL-language function called from
-- PL/pgSQL is parsed and planned again in every transaction, which cost a
-- one-job enqueue about 100 us; a PL/pgSQL function stays compiled per session.
create or replace function pgqueue.fail(job_id bigint, worker text, error text, retry_in interval default null)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return pgqueue._fail(fail.job_id, fail.worker, fail.error, fail.retry_in, false);
end;
$$;

comment on function pgqueue.fail(bigint, text, text, interval) is
'Record a failed attempt (attempt, time, error) in the job''s history; back to pending after retry_in or the queue''s backoff while retries remain, else failed. Returns the new state, or NULL if worker does not hold the job.';

revoke all on function pgqueue.fail(bigint, text, text, interval) from public;
grant execute on function pgqueue.fail(bigint, text, text, interval) to pgqueue_worker;
