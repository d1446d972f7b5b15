-- Fails a job for good, whatever retries it has left: for errors no retry can
-- fix (a malformed payload, a deleted account). The attempt and error go into
-- the history like any failure; the job is dead-lettered as failed and can
-- still be re-run with retry. Fenced like fail.
create or replace function pgqueue.fail_permanently(job_id bigint, worker text, error text)
returns text
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
    select pgqueue._fail(fail_permanently.job_id, fail_permanently.worker, fail_permanently.error, null, true)
$$;

comment on function pgqueue.fail_permanently(bigint, text, text) is
'Record a failed attempt and dead-letter the job as failed without further retries. Returns ''failed'', or NULL if worker does not hold the job.';

revoke all on function pgqueue.fail_permanently(bigint, text, text) from public;
grant execute on function pgqueue.fail_permanently(bigint, text, text) to pgqueue_worker;
