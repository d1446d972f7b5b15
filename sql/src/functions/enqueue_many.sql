-- Bulk enqueue: one statement inserts every job, one notification wakes the
-- workers. Each array element is an object whose keys are enqueue's parameter
-- names; ids come back in input order. Elements whose dedup_key is taken fall
-- back to pgqueue.enqueue, which resolves the existing job race-free.
create or replace function pgqueue.enqueue_many(jobs jsonb)
returns setof bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_now timestamptz := pgqueue._now();
    v_position bigint;
    v_detail text;
    v_element jsonb;
    v_ids bigint[];
    v_inserted bigint[];
    v_due text[];
begin
    if enqueue_many.jobs is null or pg_catalog.jsonb_typeof(enqueue_many.jobs) <> 'array' then
        raise exception 'jobs must be a JSON array of objects (got %)',
            coalesce(pg_catalog.jsonb_typeof(enqueue_many.jobs), 'NULL')
            using errcode = '22023';
    end if;

    -- Positions in messages are 0-based, as in the JSON array.
    select e.ord - 1, pg_catalog.jsonb_typeof(e.value) into v_position, v_detail
    from pg_catalog.jsonb_array_elements(enqueue_many.jobs) with ordinality as e (value, ord)
    where pg_catalog.jsonb_typeof(e.value) <> 'object'
    order by e.ord
    limit 1;
    if found then
        raise exception 'jobs[%] must be a JSON object (got %)', v_position, v_detail
            using errcode = '22023';
    end if;

    select e.ord - 1, k.key into v_position, v_detail
    from pg_catalog.jsonb_array_elements(enqueue_many.jobs) with ordinality as e (value, ord)
    cross join lateral pg_catalog.jsonb_object_keys(e.value) as k (key)
    where k.key::name <> all (
        array(
            select a.attname
            from pg_catalog.pg_attribute as a
            where a.attrelid = 'pgqueue._enqueue_args'::regclass and a.attnum > 0
        )
    )
    order by e.ord
    limit 1;
    if found then
        raise exception 'jobs[%] has an unknown key "%" (keys are enqueue''s parameter names)',
            v_position, v_detail
            using errcode = '22023';
    end if;

    begin
        select e.ord - 1, pgqueue._check_job(r.task, coalesce(r.queue, 'default'), r.run_at, r.delay, r.max_retries)
        into v_position, v_detail
        from pg_catalog.jsonb_array_elements(enqueue_many.jobs) with ordinality as e (value, ord)
        cross join lateral pg_catalog.jsonb_populate_record(null::pgqueue._enqueue_args, e.value) as r
        where pgqueue._check_job(r.task, coalesce(r.queue, 'default'), r.run_at, r.delay, r.max_retries) is not null
        order by e.ord
        limit 1;
    exception
        -- A value of the wrong type ("priority": "high"): find the element.
        when data_exception then
            for v_position, v_element in
                select e.ord - 1, e.value
                from pg_catalog.jsonb_array_elements(enqueue_many.jobs) with ordinality as e (value, ord)
                order by e.ord
            loop
                begin
                    perform pg_catalog.jsonb_populate_record(null::pgqueue._enqueue_args, v_element);
                exception
                    when data_exception then
                        raise exception 'jobs[%] has an invalid value: %', v_position, sqlerrm
                            using errcode = '22023';
                end;
            end loop;
            raise;
    end;
    if v_detail is not null then
        raise exception 'jobs[%]: %', v_position, v_detail using errcode = '22023';
    end if;

    perform pgqueue._queue(q.name)
    from (
        select distinct coalesce(e.value ->> 'queue', 'default') as name
        from pg_catalog.jsonb_array_elements(enqueue_many.jobs) as e (value)
    ) as q;

    -- Ids are drawn up front, in input order, so each element knows its id
    -- whether or not its insert was skipped by a dedup conflict.
    with input as materialized (
        select
            e.ord,
            pg_catalog.nextval('pgqueue.jobs_id_seq') as id,
            coalesce(r.queue, 'default') as queue,
            r.task,
            coalesce(r.payload, '{}') as payload,
            coalesce(r.priority, 0) as priority,
            coalesce(r.run_at, v_now + r.delay, v_now) as run_at,
            r.max_retries,
            r.dedup_key,
            r.expires_at
        from pg_catalog.jsonb_array_elements(enqueue_many.jobs) with ordinality as e (value, ord)
        cross join lateral pg_catalog.jsonb_populate_record(null::pgqueue._enqueue_args, e.value) as r
        order by e.ord
    ),

    inserted as (
        insert into pgqueue.jobs (
            id, queue, task, payload, priority, run_at, created_at, max_retries, dedup_key, expires_at
        )
        select
            i.id, i.queue, i.task, i.payload, i.priority, i.run_at, v_now,
            coalesce(i.max_retries, q.max_retries), i.dedup_key, i.expires_at
        from input as i
        inner join pgqueue.queues as q on q.name = i.queue
        order by i.ord
        on conflict (queue, dedup_key) where dedup_key is not null and state in ('pending', 'processing')
        do nothing
        returning id, queue, run_at
    )

    select
        (select pg_catalog.array_agg(i.id order by i.ord) from input as i),
        (select pg_catalog.array_agg(n.id) from inserted as n),
        (select pg_catalog.array_agg(distinct n.queue) from inserted as n where n.run_at <= v_now)
    into v_ids, v_inserted, v_due;

    perform pgqueue._notify(coalesce(v_due, '{}'));

    return query
    select coalesce(
        n.id,
        pgqueue.enqueue(
            task => r.task, payload => r.payload, queue => r.queue, priority => r.priority,
            run_at => r.run_at, delay => r.delay, max_retries => r.max_retries,
            dedup_key => r.dedup_key, expires_at => r.expires_at
        )
    )
    from pg_catalog.jsonb_array_elements(enqueue_many.jobs) with ordinality as e (value, ord)
    cross join lateral pg_catalog.jsonb_populate_record(null::pgqueue._enqueue_args, e.value) as r
    left join pg_catalog.unnest(v_inserted) as n (id) on n.id = v_ids[e.ord]
    order by e.ord;
end;
$$;

comment on function pgqueue.enqueue_many(jsonb) is
'Enqueue many jobs in one statement: a JSON array of objects whose keys are enqueue''s parameter names. Returns the ids in input order (an existing job''s id where a dedup_key was taken) and sends one notification.';

revoke all on function pgqueue.enqueue_many(jsonb) from public;
grant execute on function pgqueue.enqueue_many(jsonb) to pgqueue_producer;
