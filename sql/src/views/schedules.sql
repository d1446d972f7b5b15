-- The schedules as users look at them.
create or replace view pgqueue.schedules as
select
    s.name,
    s.spec,
    s.timezone,
    s.task,
    s.queue,
    s.payload,
    s.priority,
    s.next_fire_at,
    s.last_fire_at,
    s.created_at,
    s.updated_at
from pgqueue.cron_schedules as s;

comment on view pgqueue.schedules is
'Each cron schedule with its next and last fire time.';
comment on column pgqueue.schedules.name is 'Unique schedule name.';
comment on column pgqueue.schedules.spec is 'Cron spec: 5 fields, a macro such as @daily, or @every <interval>.';
comment on column pgqueue.schedules.timezone is 'IANA time zone the spec is evaluated in.';
comment on column pgqueue.schedules.task is 'Task of the jobs it enqueues.';
comment on column pgqueue.schedules.queue is 'Queue of the jobs it enqueues.';
comment on column pgqueue.schedules.payload is 'Payload of the jobs it enqueues (plus a "_cron" key).';
comment on column pgqueue.schedules.priority is 'Priority of the jobs it enqueues.';
comment on column pgqueue.schedules.next_fire_at is 'The next fire time.';
comment on column pgqueue.schedules.last_fire_at is 'The fire time of the last job enqueued.';
comment on column pgqueue.schedules.created_at is 'When the schedule was first created.';
comment on column pgqueue.schedules.updated_at is 'When the schedule was last replaced or fired.';

revoke all on table pgqueue.schedules from public;
grant select on table pgqueue.schedules to pgqueue_admin;
