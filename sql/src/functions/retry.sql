-- Re-runs a dead-lettered (failed), cancelled or expired job now, with its
-- retries counted afresh and a passed expires_at cleared. The error history
-- is kept.
create or replace function pgqueue.retry(job_id bigint)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- Index scans whatever the table's size when the session planned this, and
-- no JIT (docs/performance.md, "Plans that survive a burst").
set enable_seqscan = off
set jit = off
as $$
declare
    v_now timestamptz := pgqueue._now();
    v_queue text;
begin
    if retry.job_id is null then
        raise exception 'job_id must not be NULL' using errcode = '22023';
    end if;

    update pgqueue.jobs as j
    set
        state = 'pending',
        attempt = 0,
        run_at = v_now,
        finished_at = null,
        locked_by = null,
        locked_at = null,
        lease_expires_at = null,
        result = null,
        -- An expiry that has passed would keep the job from ever running.
        expires_at = case when j.expires_at <= v_now then null else j.expires_at end
    where j.id = retry.job_id and j.state in ('failed', 'cancelled', 'expired')
    returning j.queue into v_queue;

    if v_queue is null then
        return false;
    end if;
    perform pgqueue._notify(array[v_queue]);
    return true;
exception
    when unique_violation then
        raise exception 'job % cannot be retried: another pending or processing job has its dedup_key', retry.job_id
            using errcode = '23505';
end;
$$;

comment on function pgqueue.retry(bigint) is
'Make a failed, cancelled or expired job pending again, due now, with attempts counted afresh; false if it is in another state.';

revoke all on function pgqueue.retry(bigint) from public;
grant execute on function pgqueue.retry(bigint) to pgqueue_admin;
