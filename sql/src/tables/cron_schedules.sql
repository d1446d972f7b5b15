-- The cron ledger: one row per named schedule, holding its next fire time.
-- run_schedules advances a row in the same transaction that enqueues its job,
-- under a row lock, so each fire time is enqueued exactly once however many
-- processes call it: no leader, no lookups.
create table pgqueue.cron_schedules (
    name text primary key,
    spec text not null,
    timezone text not null default 'UTC',
    task text not null,
    payload jsonb not null default '{}',
    queue text not null default 'default',
    priority integer not null default 0,
    next_fire_at timestamptz not null,
    last_fire_at timestamptz,
    created_at timestamptz not null default pg_catalog.now(),
    updated_at timestamptz not null default pg_catalog.now(),
    constraint cron_schedules_name_check check (name <> ''),
    constraint cron_schedules_task_check check (task <> ''),
    constraint cron_schedules_queue_check check (queue <> ''),
    constraint cron_schedules_payload_check check (pg_catalog.jsonb_typeof(payload) = 'object')
);

-- run_schedules reads only the due rows.
create index cron_schedules_next_fire_at_idx on pgqueue.cron_schedules (next_fire_at);

comment on table pgqueue.cron_schedules is
'Cron schedules and their next fire time (the ledger run_schedules advances). Change it with pgqueue.schedule and pgqueue.unschedule; read it through the view pgqueue.schedules.';
comment on column pgqueue.cron_schedules.name is 'Unique schedule name.';
comment on column pgqueue.cron_schedules.spec is 'Cron spec: 5 fields, a macro such as @daily, or @every <interval>.';
comment on column pgqueue.cron_schedules.timezone is 'IANA time zone the spec is evaluated in.';
comment on column pgqueue.cron_schedules.task is 'Task of the jobs it enqueues.';
comment on column pgqueue.cron_schedules.payload is 'Payload of the jobs it enqueues; each job also gets a "_cron" key with the schedule name and fire time.';
comment on column pgqueue.cron_schedules.queue is 'Queue of the jobs it enqueues.';
comment on column pgqueue.cron_schedules.priority is 'Priority of the jobs it enqueues.';
comment on column pgqueue.cron_schedules.next_fire_at is 'The next fire time: run_schedules enqueues the job once this has passed.';
comment on column pgqueue.cron_schedules.last_fire_at is 'The fire time of the last job enqueued, NULL before the first.';
comment on column pgqueue.cron_schedules.created_at is 'When the schedule was first created.';
comment on column pgqueue.cron_schedules.updated_at is 'When the schedule was last replaced or fired.';

revoke all on table pgqueue.cron_schedules from public;
