-- 0.2.0 -> 0.3.0: speed. PostgreSQL reads a table's CHECK constraints back
-- from their stored text and plans them again in every INSERT or UPDATE
-- statement: the five of pgqueue.jobs cost each one-job enqueue, claim and
-- acknowledgement about 105,000 instructions. The functions, the only
-- writers, check what they were checking (sql/src/tables/jobs.sql).
alter table pgqueue.jobs
drop constraint jobs_state_check,
drop constraint jobs_task_check,
drop constraint jobs_queue_check,
drop constraint jobs_attempt_check,
drop constraint jobs_max_retries_check;

-- The partial indexes select their rows by NULL tests on lease_expires_at and
-- finished_at instead of state tests, for the same reason: PostgreSQL prepares
-- every partial index's predicate again in each INSERT or UPDATE statement
-- (sql/src/tables/jobs.sql). They rest on two columns being in step with
-- state, as every version's functions keep them; put any row that is not back
-- in step first (none, unless someone wrote to the table by hand).
update pgqueue.jobs
set lease_expires_at = null
where state <> 'processing' and lease_expires_at is not null;

update pgqueue.jobs
set
    lease_expires_at = coalesce(locked_at, pg_catalog.now()) + coalesce(
        (
            select q.lease
            from pgqueue.queues as q
            where q.name = jobs.queue
        ),
        interval '5 minutes'
    )
where state = 'processing' and lease_expires_at is null;

update pgqueue.jobs
set finished_at = null
where state in ('pending', 'processing') and finished_at is not null;

update pgqueue.jobs
set finished_at = coalesce(locked_at, created_at)
where state in ('done', 'failed', 'cancelled', 'expired') and finished_at is null;

drop index pgqueue.jobs_claim_idx;
drop index pgqueue.jobs_dedup_idx;
drop index pgqueue.jobs_lease_idx;
drop index pgqueue.jobs_expires_idx;
drop index pgqueue.jobs_finished_idx;

create index jobs_claim_idx on pgqueue.jobs (queue, priority desc, run_at, id)
where lease_expires_at is null and finished_at is null;

create unique index jobs_dedup_idx on pgqueue.jobs (queue, dedup_key)
where dedup_key is not null and finished_at is null;

create index jobs_lease_idx on pgqueue.jobs (lease_expires_at)
where lease_expires_at is not null;

create index jobs_expires_idx on pgqueue.jobs (expires_at)
where expires_at is not null and lease_expires_at is null and finished_at is null;

create index jobs_finished_idx on pgqueue.jobs (queue, finished_at)
where finished_at is not null;

comment on column pgqueue.jobs.lease_expires_at is
'Set exactly while processing: when the job counts as stuck unless heartbeated.';
comment on column pgqueue.jobs.finished_at is
'Set exactly while done, failed, cancelled or expired: when the job got there.';

-- Cron keeps firing wildcard specs through a fall-back's repeated hour, as
-- cronie does: _cron_parse reports whether a spec is one (a new OUT column),
-- and _cron_at can map a repeated time to its second occurrence (a new
-- argument). Both change their signature, so the old ones go; the files that
-- follow create the new ones.
drop function pgqueue._cron_parse(text);
drop function pgqueue._cron_at(timestamp, text);
