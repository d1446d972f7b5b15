-- The schema holds every pgqueue object. Nothing in it is usable by PUBLIC:
-- access goes through the three roles.
create schema if not exists pgqueue;

comment on schema pgqueue is
'pgqueue: a background-job queue in PostgreSQL. Call its functions; grant an application role one of pgqueue_producer, pgqueue_worker or pgqueue_admin.';

revoke all on schema pgqueue from public;
grant usage on schema pgqueue to pgqueue_producer, pgqueue_worker, pgqueue_admin;
