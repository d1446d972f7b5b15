-- Jobs for people and scripts (the CLI's `pgqueue jobs`), newest first, by
-- state, queue and task (a task ending in ':' is a prefix, as in routing).
-- Paged by id: pass the last id seen as before_id for the next page.
create or replace function pgqueue.list_jobs(
    state text default null,
    queue text default null,
    task text default null,
    max_jobs integer default 100,
    before_id bigint default null
)
returns setof pgqueue.jobs
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if list_jobs.state not in ('pending', 'processing', 'done', 'failed', 'cancelled', 'expired') then
        raise exception 'state must be one of pending, processing, done, failed, cancelled, expired (got %)',
            list_jobs.state
            using errcode = '22023';
    end if;
    if list_jobs.max_jobs is null or list_jobs.max_jobs not between 1 and 10000 then
        raise exception 'max_jobs must be between 1 and 10000 (got %)', coalesce(list_jobs.max_jobs::text, 'NULL')
            using errcode = '22023';
    end if;

    return query
    select j.*
    from pgqueue.jobs as j
    where (list_jobs.state is null or j.state = list_jobs.state)
        and (list_jobs.queue is null or j.queue = list_jobs.queue)
        and (
            list_jobs.task is null
            or j.task = list_jobs.task
            or (
                list_jobs.task like '%:'
                and pg_catalog.starts_with(j.task, list_jobs.task)
            )
        )
        and (list_jobs.before_id is null or j.id < list_jobs.before_id)
    order by j.id desc
    limit list_jobs.max_jobs;
end;
$$;

comment on function pgqueue.list_jobs(text, text, text, integer, bigint) is
'Up to max_jobs jobs, newest first, filtered by state, queue and task (a task ending in '':'' matches as a prefix); before_id pages through older ones.';

revoke all on function pgqueue.list_jobs(text, text, text, integer, bigint) from public;
grant execute on function pgqueue.list_jobs(text, text, text, integer, bigint) to pgqueue_admin;
