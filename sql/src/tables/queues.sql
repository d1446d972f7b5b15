-- One row per queue: its settings and whether it is paused. A row appears the
-- first time a job is enqueued to the queue (or it is configured), holding the
-- built-in defaults below, so the defaults live in exactly one place.
create table pgqueue.queues (
    name text primary key,
    max_retries integer not null default 5,
    backoff_base interval not null default interval '1 second',
    backoff_max interval not null default interval '1 hour',
    lease interval not null default interval '5 minutes',
    retention interval not null default interval '7 days',
    cleanup_strategy text not null default 'delete',
    paused boolean not null default false,
    created_at timestamptz not null default pg_catalog.now(),
    updated_at timestamptz not null default pg_catalog.now(),
    constraint queues_name_check check (name <> ''),
    constraint queues_max_retries_check check (max_retries >= 0),
    constraint queues_backoff_base_check check (backoff_base >= interval '0'),
    constraint queues_backoff_max_check check (backoff_max >= interval '0'),
    constraint queues_lease_check check (lease > interval '0'),
    constraint queues_retention_check check (retention >= interval '0'),
    constraint queues_cleanup_strategy_check check (cleanup_strategy in ('delete', 'archive'))
);

comment on table pgqueue.queues is
'Per-queue settings, one row per queue; created on first enqueue with the defaults, changed with pgqueue.configure_queue, pgqueue.pause and pgqueue.resume.';
comment on column pgqueue.queues.name is 'The queue name jobs are enqueued to.';
comment on column pgqueue.queues.max_retries is 'Retries after the first attempt for jobs enqueued without max_retries.';
comment on column pgqueue.queues.backoff_base is 'Delay before the first retry; doubles with each attempt (see pgqueue.backoff).';
comment on column pgqueue.queues.backoff_max is 'Upper bound of the retry delay before jitter.';
comment on column pgqueue.queues.lease is 'How long a claimed job stays locked without a heartbeat before it counts as stuck.';
comment on column pgqueue.queues.retention is 'How long finished jobs are kept before cleanup removes them.';
comment on column pgqueue.queues.cleanup_strategy is 'What cleanup does with old finished jobs: delete, or archive into pgqueue.jobs_archive.';
comment on column pgqueue.queues.paused is 'True while pgqueue.dequeue hands out no jobs of this queue.';
comment on column pgqueue.queues.created_at is 'When the queue was first seen.';
comment on column pgqueue.queues.updated_at is 'When the settings last changed.';

revoke all on table pgqueue.queues from public;
grant select on table pgqueue.queues to pgqueue_admin;
