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
    v_key text;
    v_value jsonb;
    -- The elements parsed once into enqueue's arguments, in input order; every
    -- pass below reads this array instead of the JSON again.
    v_args pgqueue._enqueue_args[];
    v_ids bigint[];
    v_inserted bigint[];
    v_due text[];
    -- enqueue's parameter names, from the type that describes an element.
    v_keys text[] := array(
        select a.attname::text
        from pg_catalog.pg_attribute as a
        where a.attrelid = 'pgqueue._enqueue_args'::regclass and a.attnum > 0
    );
begin
    if enqueue_many.jobs is null or pg_catalog.jsonb_typeof(enqueue_many.jobs) <> 'array' then
        raise exception 'jobs must be a JSON array of objects (got %)',
            coalesce(pg_catalog.jsonb_typeof(enqueue_many.jobs), 'NULL')
            using errcode = '22023';
    end if;

    -- The first element that is not an object, or has a key enqueue does not
    -- know (what is left once the known keys are removed). Positions in
    -- messages are 0-based, as in the JSON array.
    select
        e.ord - 1,
        case
            when pg_catalog.jsonb_typeof(e.value) <> 'object'
                then pg_catalog.format('must be a JSON object (got %s)', pg_catalog.jsonb_typeof(e.value))
            else pg_catalog.format(
                'has an unknown key "%s" (keys are enqueue''s parameter names)',
                (select k.key from pg_catalog.jsonb_object_keys(e.value - v_keys) as k (key) limit 1)
            )
        end
    into v_position, v_detail
    from pg_catalog.jsonb_array_elements(enqueue_many.jobs) with ordinality as e (value, ord)
    where pg_catalog.jsonb_typeof(e.value) <> 'object' or (e.value - v_keys) <> '{}'::jsonb
    order by e.ord
    limit 1;
    if found then
        raise exception 'jobs[%] %', v_position, v_detail using errcode = '22023';
    end if;

    -- Names are JSON strings: jsonb_populate_record would take {"x": 1} or 123
    -- as their text and create a task or queue of that name. One jsonpath
    -- over the whole array (~0.3 ms per 1,000 elements); only when it finds
    -- one does the scan for its position and key run.
    if pg_catalog.jsonb_path_exists(
        enqueue_many.jobs,
        '$[*] ? ((@.task.type() != "string" && @.task.type() != "null")'
        ' || (@.queue.type() != "string" && @.queue.type() != "null")'
        ' || (@.dedup_key.type() != "string" && @.dedup_key.type() != "null"))'
    ) then
        select e.ord - 1, pg_catalog.format('%s must be a JSON string (got %s)', k.key, pg_catalog.jsonb_typeof(e.value -> k.key))
        into v_position, v_detail
        from pg_catalog.jsonb_array_elements(enqueue_many.jobs) with ordinality as e (value, ord)
        cross join pg_catalog.unnest('{task,queue,dedup_key}'::text[]) with ordinality as k (key, n)
        where pg_catalog.jsonb_typeof(e.value -> k.key) not in ('string', 'null')
        order by e.ord, k.n
        limit 1;
        raise exception 'jobs[%].%', v_position, v_detail using errcode = '22023';
    end if;

    begin
        v_args := array(
            select pg_catalog.jsonb_populate_record(null::pgqueue._enqueue_args, e.value)
            from pg_catalog.jsonb_array_elements(enqueue_many.jobs) with ordinality as e (value, ord)
            order by e.ord
        );
    exception
        -- A value of the wrong type ("priority": "high"): find the element
        -- and the key, to name both, by converting each value alone.
        when data_exception then
            for v_position, v_key, v_value in
                select e.ord - 1, k.key, k.value
                from pg_catalog.jsonb_array_elements(enqueue_many.jobs) with ordinality as e (value, ord)
                cross join lateral pg_catalog.jsonb_each(e.value) with ordinality as k (key, value, n)
                order by e.ord, k.n
            loop
                begin
                    perform pg_catalog.jsonb_populate_record(
                        null::pgqueue._enqueue_args, pg_catalog.jsonb_build_object(v_key, v_value)
                    );
                exception
                    when data_exception then
                        raise exception 'jobs[%].% has an invalid value: %', v_position, v_key, sqlerrm
                            using errcode = '22023';
                end;
            end loop;
            raise;
    end;

    -- An element without delay and max_retries, whose run_at (if any) is finite and
    -- whose task and queue are not blank, is valid; only the others go through
    -- _check_job (enqueue's test is coarser and leaves the queue name to the row it
    -- reads). A nested call per element cost 12 % of a batch of 1,000 (callgrind).
    -- CASE, so the call is never made for the first kind.
    select a.ordinality - 1, pgqueue._check_job(a.task, coalesce(a.queue, 'default'), a.run_at, a.delay, a.max_retries)
    into v_position, v_detail
    from pg_catalog.unnest(v_args) with ordinality as a
    where case
        when a.delay is null and a.max_retries is null
            and (a.run_at is null or pg_catalog.isfinite(a.run_at))
            and pg_catalog.btrim(a.task, e' \t\n\r\f\x0b') <> ''
            and pg_catalog.btrim(coalesce(a.queue, 'default'), e' \t\n\r\f\x0b') <> ''
            then false
        else pgqueue._check_job(a.task, coalesce(a.queue, 'default'), a.run_at, a.delay, a.max_retries) is not null
    end
    order by a.ordinality
    limit 1;
    if v_detail is not null then
        raise exception 'jobs[%]: %', v_position, v_detail using errcode = '22023';
    end if;

    perform pgqueue._queue(q.name)
    from (select distinct coalesce(a.queue, 'default') as name from pg_catalog.unnest(v_args) as a) as q;

    -- Ids are drawn up front, in input order, so each element knows its id
    -- whether or not its insert was skipped by a dedup conflict. Jobs without a
    -- dedup_key take a plain insert: ON CONFLICT would send every row through
    -- speculative insertion, which cost half the time of a bulk enqueue.
    with input as materialized (
        select
            a.ordinality as ord,
            pg_catalog.nextval('pgqueue.jobs_id_seq') as id,
            coalesce(a.queue, 'default') as queue,
            a.task,
            coalesce(a.payload, '{}') as payload,
            coalesce(a.priority, 0) as priority,
            coalesce(a.run_at, v_now + a.delay, v_now) as run_at,
            a.max_retries,
            a.dedup_key,
            a.expires_at
        from pg_catalog.unnest(v_args) with ordinality as a
        order by a.ordinality
    ),

    plain as (
        insert into pgqueue.jobs (
            id, queue, task, payload, priority, run_at, created_at, max_retries, expires_at
        )
        select
            i.id, i.queue, i.task, i.payload, i.priority, i.run_at, v_now,
            coalesce(i.max_retries, q.max_retries), i.expires_at
        from input as i
        inner join pgqueue.queues as q on q.name = i.queue
        where i.dedup_key is null
        order by i.ord
        returning id, queue, run_at
    ),

    deduplicated as (
        insert into pgqueue.jobs (
            id, queue, task, payload, priority, run_at, created_at, max_retries, dedup_key, expires_at
        )
        select
            i.id, i.queue, i.task, i.payload, i.priority, i.run_at, v_now,
            coalesce(i.max_retries, q.max_retries), i.dedup_key, i.expires_at
        from input as i
        inner join pgqueue.queues as q on q.name = i.queue
        where i.dedup_key is not null
        -- In key order, not input order: each insert holds its key until
        -- commit, and two batches taking shared keys in different orders
        -- deadlocked. Within a key, the first element still wins.
        order by i.queue, i.dedup_key, i.ord
        on conflict (queue, dedup_key) where dedup_key is not null and finished_at is null
        do nothing
        returning id, queue, run_at
    ),

    inserted as (
        select p.id, p.queue, p.run_at from plain as p
        union all
        select d.id, d.queue, d.run_at from deduplicated as d
    )

    select
        (select pg_catalog.array_agg(i.id order by i.ord) from input as i),
        (select pg_catalog.array_agg(n.id) from inserted as n),
        (select pg_catalog.array_agg(distinct n.queue) from inserted as n where n.run_at <= v_now)
    into v_ids, v_inserted, v_due;

    perform pgqueue._notify(coalesce(v_due, '{}'));

    if coalesce(pg_catalog.cardinality(v_inserted), 0) = coalesce(pg_catalog.cardinality(v_ids), 0) then
        return query select u.id from pg_catalog.unnest(v_ids) as u (id);
        return;
    end if;

    -- Some dedup_keys were taken: those elements resolve through enqueue.
    return query
    select coalesce(
        n.id,
        pgqueue.enqueue(
            task => a.task, payload => a.payload, queue => a.queue, priority => a.priority,
            run_at => a.run_at, delay => a.delay, max_retries => a.max_retries,
            dedup_key => a.dedup_key, expires_at => a.expires_at
        )
    )
    from pg_catalog.unnest(v_args) with ordinality as a
    left join pg_catalog.unnest(v_inserted) as n (id) on n.id = v_ids[a.ordinality]
    order by a.ordinality;
end;
$$;

comment on function pgqueue.enqueue_many(jsonb) is
'Enqueue many jobs in one statement: a JSON array of objects whose keys are enqueue''s parameter names. Returns the ids in input order (an existing job''s id where a dedup_key was taken) and sends one notification.';

revoke all on function pgqueue.enqueue_many(jsonb) from public;
grant execute on function pgqueue.enqueue_many(jsonb) to pgqueue_producer;
