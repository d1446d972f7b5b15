-- One job by id, for clients that call functions only (the Python driver, the
-- CLI): the full row, error history included. No row if there is no such job
-- (or cleanup removed it).
create or replace function pgqueue.get_job(job_id bigint)
returns setof pgqueue.jobs
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
-- Index scans whatever the table's size when the session planned this, and
-- no JIT (docs/performance.md, "Plans that survive a burst").
set enable_seqscan = off
set jit = off
as $$
    select j.* from pgqueue.jobs as j where j.id = get_job.job_id
$$;

comment on function pgqueue.get_job(bigint) is
'The job with id job_id (every column, error history included); no row if there is none.';

revoke all on function pgqueue.get_job(bigint) from public;
grant execute on function pgqueue.get_job(bigint) to pgqueue_admin;
