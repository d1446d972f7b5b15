-- Where cleanup moves finished jobs of queues whose cleanup_strategy is
-- 'archive': the same columns as pgqueue.jobs plus archived_at. Not read by
-- any hot path, so it carries only the indexes an operator needs.
create table pgqueue.jobs_archive (
    id bigint primary key,
    run_at timestamptz not null,
    created_at timestamptz not null,
    priority integer not null,
    attempt integer not null,
    max_retries integer not null,
    state text not null,
    queue text not null,
    task text not null,
    payload jsonb not null,
    dedup_key text,
    expires_at timestamptz,
    locked_by text,
    locked_at timestamptz,
    lease_expires_at timestamptz,
    finished_at timestamptz,
    result jsonb,
    errors jsonb not null,
    archived_at timestamptz not null
);

create index jobs_archive_finished_at_idx on pgqueue.jobs_archive (finished_at);

comment on table pgqueue.jobs_archive is
'Finished jobs moved out of pgqueue.jobs by cleanup with the archive strategy: the same columns plus archived_at.';
comment on column pgqueue.jobs_archive.id is 'Job id, as it was in pgqueue.jobs.';
comment on column pgqueue.jobs_archive.run_at is 'Earliest time the job could run (its last attempt).';
comment on column pgqueue.jobs_archive.created_at is 'When the job was enqueued.';
comment on column pgqueue.jobs_archive.priority is 'The job''s priority.';
comment on column pgqueue.jobs_archive.attempt is 'Attempts the job took.';
comment on column pgqueue.jobs_archive.max_retries is 'Retries it was allowed after the first attempt.';
comment on column pgqueue.jobs_archive.state is 'Final state: done, failed, cancelled or expired.';
comment on column pgqueue.jobs_archive.queue is 'The queue the job belonged to.';
comment on column pgqueue.jobs_archive.task is 'Task name.';
comment on column pgqueue.jobs_archive.payload is 'Arguments the handler received.';
comment on column pgqueue.jobs_archive.dedup_key is 'Deduplication key, if any.';
comment on column pgqueue.jobs_archive.expires_at is 'Expiry time, if any.';
comment on column pgqueue.jobs_archive.locked_by is 'Worker that last held the job.';
comment on column pgqueue.jobs_archive.locked_at is 'When the last attempt was claimed.';
comment on column pgqueue.jobs_archive.lease_expires_at is 'Lease of the last attempt, if still set.';
comment on column pgqueue.jobs_archive.finished_at is 'When the job reached its final state.';
comment on column pgqueue.jobs_archive.result is 'Result recorded by pgqueue.complete, if any.';
comment on column pgqueue.jobs_archive.errors is 'Error history: one {attempt, at, error} object per failed attempt.';
comment on column pgqueue.jobs_archive.archived_at is 'When cleanup moved the job here.';

revoke all on table pgqueue.jobs_archive from public;
grant select on table pgqueue.jobs_archive to pgqueue_admin;
