-- The one implementation of a failed attempt, behind fail, fail_permanently
-- and rescue: the error goes into the job's history with its attempt and
-- time; with retries left (and not permanent) the job is pending again after
-- retry_in or the queue's backoff, else it is dead-lettered as failed. Fenced:
-- NULL, and no change, when worker no longer holds the job.
create or replace function pgqueue._fail(
    job_id bigint,
    worker text,
    error text,
    retry_in interval,
    permanent boolean
)
returns text
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
    v_state text;
    v_queue text;
    v_run_at timestamptz;
begin
    if _fail.job_id is null then
        raise exception 'job_id must not be NULL' using errcode = '22023';
    end if;
    if _fail.worker is null then
        raise exception 'worker must not be NULL' using errcode = '22023';
    end if;
    if _fail.retry_in < interval '0' then
        raise exception 'retry_in must not be negative (got %)', _fail.retry_in using errcode = '22023';
    end if;

    update pgqueue.jobs as j
    set
        state = case when not _fail.permanent and j.attempt <= j.max_retries then 'pending' else 'failed' end,
        run_at = case
            when not _fail.permanent and j.attempt <= j.max_retries
                then v_now + coalesce(_fail.retry_in, pgqueue.backoff(j.attempt, q.backoff_base, q.backoff_max))
            else j.run_at
        end,
        finished_at = case when not _fail.permanent and j.attempt <= j.max_retries then null else v_now end,
        lease_expires_at = null,
        errors = j.errors || pg_catalog.jsonb_build_object(
            'attempt', j.attempt, 'at', v_now, 'error', _fail.error
        )
    from pgqueue.queues as q
    where j.id = _fail.job_id
        and j.state = 'processing'
        and j.locked_by = _fail.worker
        and q.name = j.queue
    returning j.state, j.queue, j.run_at into v_state, v_queue, v_run_at;

    if v_state = 'pending' and v_run_at <= v_now then
        perform pgqueue._notify(array[v_queue]);
    end if;
    return v_state;
end;
$$;

comment on function pgqueue._fail(bigint, text, text, interval, boolean) is
'Internal: record a failed attempt; pending again after retry_in or backoff while retries remain and not permanent, else failed. The new state, or NULL if worker does not hold the job.';

revoke all on function pgqueue._fail(bigint, text, text, interval, boolean) from public;
