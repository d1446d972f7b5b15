-- One row of pgqueue.stats. A named type rather than RETURNS TABLE because the
-- first column and the function's parameter are both called queue, which
-- PostgreSQL does not allow among a function's own parameters.
create type pgqueue.queue_stats as (
    queue text,
    pending bigint,
    scheduled bigint,
    processing bigint,
    done bigint,
    failed bigint,
    cancelled bigint,
    expired bigint,
    oldest_pending_age interval
);

comment on type pgqueue.queue_stats is
'Job counts of one queue, as returned by pgqueue.stats: pending is due now, scheduled waits for a future run_at.';
