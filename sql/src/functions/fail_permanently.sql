-- Fails a job for good, whatever retries it has left: for errors no retry can
-- fix (a malformed payload, a deleted account). The attempt and error go into
-- the history like any failure; the job is dead-lettered as failed and can
-- still be re-run with retry. Fenced like fail.
-- PL/pgSQL rather than SQL on purpose: a SQL-language function called from
-- PL/pgSQL is parsed and planned again in every transaction, which cost a
-- one-job enqueue about 100 us; a PL/pgSQL function stays compiled per session.
create or replace function pgqueue.fail_permanently(job_id bigint, worker text, error text)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return pgqueue._fail(fail_permanently.job_id, fail_permanently.worker, fail_permanently.error, null, true);
end;
$$;

comment on function pgqueue.fail_permanently(bigint, text, text) is
'Record a failed attempt and dead-letter the job as failed without further retries. Returns ''failed'', or NULL if worker does not hold the job.';

revoke all on function pgqueue.fail_permanently(bigint, text, text) from public;
grant execute on function pgqueue.fail_permanently(bigint, text, text) to pgqueue_worker;
