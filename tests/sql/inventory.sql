-- The API inventory: which functions exist, with which arguments, returning
-- what, run as whom, callable by whom; the roles, tables, types and indexes;
-- and that everything is documented. A change here is a change of the API.
begin;
select plan(325);

-- Every function of the schema: its argument types, parameter names, how many
-- parameters have defaults, its result type, and the weakest role that may call
-- it (see the roles below; 'owner': internal, no role may). pgqueue_worker is a
-- member of pgqueue_producer and pgqueue_admin of pgqueue_worker, so each role
-- has the rights of the ones below it.
create temp table api (
    name name,
    arg_types text[],
    param_names text[],
    n_defaults integer,
    result_type text,
    weakest_role text
) on commit drop;

insert into api values
(
    'version', '{}', null, 0, 'text', 'pgqueue_producer'
),
(
    'enqueue',
    array[
        'text', 'jsonb', 'text', 'integer', 'timestamp with time zone', 'interval', 'integer', 'text',
        'timestamp with time zone'
    ],
    array['task', 'payload', 'queue', 'priority', 'run_at', 'delay', 'max_retries', 'dedup_key', 'expires_at'],
    8, 'bigint', 'pgqueue_producer'
),
(
    'enqueue_many', array['jsonb'], array['jobs'], 0, 'setof bigint', 'pgqueue_producer'
),
(
    'dequeue',
    array['text', 'text[]', 'integer', 'interval'],
    array['worker', 'queues', 'batch_size', 'lease'],
    3, 'setof pgqueue.job', 'pgqueue_worker'
),
(
    'complete',
    array['bigint', 'text', 'jsonb'],
    array['job_id', 'worker', 'result'],
    1, 'boolean', 'pgqueue_worker'
),
(
    'complete_many',
    array['bigint[]', 'text'],
    array['job_ids', 'worker'],
    0, 'integer', 'pgqueue_worker'
),
(
    'fail',
    array['bigint', 'text', 'text', 'interval'],
    array['job_id', 'worker', 'error', 'retry_in'],
    1, 'text', 'pgqueue_worker'
),
(
    'heartbeat',
    array['bigint[]', 'text', 'interval'],
    array['job_ids', 'worker', 'lease'],
    1, 'integer', 'pgqueue_worker'
),
(
    'release',
    array['bigint[]', 'text'],
    array['job_ids', 'worker'],
    0, 'integer', 'pgqueue_worker'
),
(
    'backoff',
    array['integer', 'interval', 'interval'],
    array['attempt', 'base', 'cap'],
    2, 'interval', 'pgqueue_admin'
),
(
    'cancel', array['bigint'], array['job_id'], 0, 'boolean', 'pgqueue_admin'
),
(
    'retry', array['bigint'], array['job_id'], 0, 'boolean', 'pgqueue_admin'
),
(
    'configure_queue',
    array['text', 'integer', 'interval', 'interval', 'interval', 'interval', 'text'],
    array['queue', 'max_retries', 'backoff_base', 'backoff_max', 'lease', 'retention', 'cleanup_strategy'],
    6, 'void', 'pgqueue_admin'
),
(
    'pause', array['text'], array['queue'], 0, 'boolean', 'pgqueue_admin'
),
(
    'resume', array['text'], array['queue'], 0, 'boolean', 'pgqueue_admin'
),
(
    'stats', array['text'], array['queue'], 1, 'setof pgqueue.queue_stats', 'pgqueue_admin'
),
(
    '_now', '{}', null, 0, 'timestamp with time zone', 'owner'
),
(
    '_queue', array['text'], array['name'], 0, 'pgqueue.queues', 'owner'
),
(
    '_check_job',
    array['text', 'text', 'timestamp with time zone', 'interval', 'integer'],
    array['task', 'queue', 'run_at', 'delay', 'max_retries'],
    0, 'text', 'owner'
),
(
    '_notify', array['text[]'], array['queues'], 0, 'void', 'owner'
),
(
    '_dedup_job', array['text', 'text'], array['queue', 'dedup_key'], 0, 'bigint', 'owner'
),
(
    '_set_paused', array['text', 'boolean'], array['queue', 'paused'], 0, 'boolean', 'owner'
),
-- 0.2.0: time in SQL
(
    'rescue', '{}', null, 0, 'integer', 'pgqueue_admin'
),
(
    'cleanup', array['interval', 'text'], array['retention', 'strategy'], 2, 'integer', 'pgqueue_admin'
),
(
    'cron_next',
    array['text', 'timestamp with time zone', 'text'],
    array['spec', 'after', 'timezone'],
    1, 'timestamp with time zone', 'pgqueue_admin'
),
(
    'schedule',
    array['text', 'text', 'text', 'jsonb', 'text', 'integer', 'text'],
    array['name', 'spec', 'task', 'payload', 'queue', 'priority', 'timezone'],
    4, 'timestamp with time zone', 'pgqueue_admin'
),
(
    'unschedule', array['text'], array['name'], 0, 'boolean', 'pgqueue_admin'
),
(
    'run_schedules', '{}', null, 0, 'integer', 'pgqueue_admin'
),
(
    'list_schedules', '{}', null, 0, 'setof pgqueue.schedules', 'pgqueue_admin'
),
(
    'tick', '{}', null, 0, 'jsonb', 'pgqueue_worker'
),
(
    '_expire', '{}', null, 0, 'integer', 'owner'
),
(
    '_cron_field',
    array['text', 'integer', 'integer', 'text[]', 'text'],
    array['field', 'min_value', 'max_value', 'names', 'field_name'],
    0, 'integer[]', 'owner'
),
(
    '_cron_parse',
    array['text'],
    array['spec', 'minutes', 'hours', 'days', 'months', 'weekdays', 'day_or', 'wild', 'every'],
    0, 'record', 'owner'
),
(
    '_cron_at', array['timestamp without time zone', 'text', 'boolean'], array['wall', 'timezone', 'later'], 0,
    'timestamp with time zone', 'owner'
),
-- 0.2.0: what the worker and the CLI need
(
    'fail_permanently',
    array['bigint', 'text', 'text'],
    array['job_id', 'worker', 'error'],
    0, 'text', 'pgqueue_worker'
),
(
    '_fail',
    array['bigint', 'text', 'text', 'interval', 'boolean'],
    array['job_id', 'worker', 'error', 'retry_in', 'permanent'],
    0, 'text', 'owner'
),
(
    'get_job', array['bigint'], array['job_id'], 0, 'setof pgqueue.jobs', 'pgqueue_admin'
),
(
    'list_jobs',
    array['text', 'text', 'text', 'integer', 'bigint'],
    array['state', 'queue', 'task', 'max_jobs', 'before_id'],
    5, 'setof pgqueue.jobs', 'pgqueue_admin'
);

-- The roles, weakest first ('public' is PUBLIC), and 'owner', stronger than all.
create temp table roles (name text, who text, strength integer) on commit drop;
insert into roles values
('public', 'PUBLIC', 0),
('pgqueue_producer', 'pgqueue_producer', 1),
('pgqueue_worker', 'pgqueue_worker', 2),
('pgqueue_admin', 'pgqueue_admin', 3),
('owner', 'only the owner', 4);

-- Whether each role may execute each function.
create temp table may_execute on commit drop as
select
    a.name as function_name,
    a.arg_types,
    r.name as role_name,
    r.who as role_label,
    r.strength,
    r.strength >= w.strength as allowed
from api as a
inner join roles as w on a.weakest_role = w.name
cross join roles as r
where r.name <> 'owner';

-- Functions -------------------------------------------------------------------------

select functions_are(
    'pgqueue',
    array(
        select a.name
        from api as a
    ),
    'The schema pgqueue has exactly the functions of the API and its internal helpers.'
);

select
    has_function(
        'pgqueue',
        a.name,
        a.arg_types,
        format('pgqueue.%s(%s) exists.', a.name, array_to_string(a.arg_types, ', '))
    )
from api as a
order by a.name;

select
    function_returns(
        'pgqueue',
        a.name,
        a.arg_types,
        a.result_type,
        format('pgqueue.%s returns %s.', a.name, a.result_type)
    )
from api as a
order by a.name;

select
    is_definer(
        'pgqueue',
        a.name,
        a.arg_types,
        format('pgqueue.%s is security definer.', a.name)
    )
from api as a
order by a.name;

select results_eq(
    $$
        select p.proname, p.proargnames collate "default", p.pronargdefaults::integer
        from pg_proc as p
        where p.pronamespace = 'pgqueue'::regnamespace
        order by p.proname
    $$,
    $$select a.name, a.param_names, a.n_defaults from api as a order by a.name$$,
    'Parameter names (callers use named notation) and the number of defaults are as in the API.'
);

select is_empty(
    $$
        select p.proname
        from pg_proc as p
        where
            p.pronamespace = 'pgqueue'::regnamespace
            and not coalesce(p.proconfig, '{}') @> array['search_path=pg_catalog, pg_temp']
    $$,
    'Every function pins search_path = pg_catalog, pg_temp.'
);

-- Who may call what ---------------------------------------------------------------------

select
    function_privs_are(
        'pgqueue',
        m.function_name,
        m.arg_types,
        m.role_name,
        case when m.allowed then array['EXECUTE'] else array[]::text[] end,
        format(
            '%s %s execute pgqueue.%s.',
            m.role_label,
            case when m.allowed then 'may' else 'may not' end,
            m.function_name
        )
    )
from may_execute as m
order by m.function_name, m.strength;

-- Roles ------------------------------------------------------------------------------------

select has_role('pgqueue_producer', 'The role pgqueue_producer exists.');
select has_role('pgqueue_worker', 'The role pgqueue_worker exists.');
select has_role('pgqueue_admin', 'The role pgqueue_admin exists.');

select results_eq(
    $$
        select r.rolname::text collate "default", r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls
        from pg_roles as r
        where r.rolname like 'pgqueue\_%'
        order by r.rolname
    $$,
    $$
        values
            ('pgqueue_admin'::text, false, false, false, false, false),
            ('pgqueue_producer', false, false, false, false, false),
            ('pgqueue_worker', false, false, false, false, false)
    $$,
    'The three roles are NOLOGIN and have no special attributes: they are granted to application roles.'
);

select is_member_of('pgqueue_producer', 'pgqueue_worker', 'pgqueue_worker is a member of pgqueue_producer.');
select is_member_of('pgqueue_worker', 'pgqueue_admin', 'pgqueue_admin is a member of pgqueue_worker.');

-- Schema, tables, types, indexes ------------------------------------------------------------

select has_schema('pgqueue', 'The schema pgqueue exists.');

select
    schema_privs_are(
        'pgqueue',
        r.name,
        case when r.strength > 0 then array['USAGE'] else array[]::text[] end,
        format('%s %s use the schema pgqueue.', r.who, case when r.strength > 0 then 'may' else 'may not' end)
    )
from roles as r
where r.name <> 'owner'
order by r.strength;

select tables_are(
    'pgqueue',
    array['jobs', 'queues', 'jobs_archive', 'cron_schedules'],
    'The schema pgqueue has the tables jobs, queues, jobs_archive and cron_schedules.'
);

select views_are('pgqueue', array['schedules'], 'The schema pgqueue has the view schedules.');

select
    table_privs_are(
        'pgqueue',
        t.name,
        r.name,
        case when r.name = 'pgqueue_admin' then array['SELECT'] else array[]::text[] end,
        format(
            '%s %s pgqueue.%s.',
            r.who,
            case when r.name = 'pgqueue_admin' then 'may only read' else 'has no access to' end,
            t.name
        )
    )
from unnest(array['jobs', 'queues', 'jobs_archive', 'schedules']) as t (name)
cross join roles as r
where r.name <> 'owner'
order by t.name, r.strength;

select
    sequence_privs_are(
        'pgqueue',
        'jobs_id_seq',
        r.name,
        array[]::text[],
        format('%s has no access to the sequence of job ids.', r.who)
    )
from roles as r
where r.name <> 'owner'
order by r.strength;

-- No CHECK constraints on the hot table: every INSERT and UPDATE plans a
-- table's CHECK constraints again from their stored text, so each one costs
-- every enqueue, claim and acknowledgement (sql/src/tables/jobs.sql).
select is_empty(
    $$
        select c.conname
        from pg_constraint as c
        where c.conrelid = 'pgqueue.jobs'::regclass and c.contype = 'c'
    $$,
    'pgqueue.jobs has no CHECK constraint: the functions, its only writers, validate.'
);

select has_type('pgqueue', 'job', 'The type pgqueue.job (what dequeue returns) exists.');
select has_type('pgqueue', 'queue_stats', 'The type pgqueue.queue_stats (what stats returns) exists.');

select results_eq(
    $$
        select a.attname, format_type(a.atttypid, a.atttypmod)
        from pg_attribute as a
        where a.attrelid = 'pgqueue.job'::regclass and a.attnum > 0 and not a.attisdropped
        order by a.attnum
    $$,
    $$
        values
            ('id'::name, 'bigint'::text),
            ('queue', 'text'),
            ('task', 'text'),
            ('payload', 'jsonb'),
            ('priority', 'integer'),
            ('attempt', 'integer'),
            ('max_retries', 'integer'),
            ('run_at', 'timestamp with time zone'),
            ('created_at', 'timestamp with time zone'),
            ('expires_at', 'timestamp with time zone'),
            ('dedup_key', 'text'),
            ('locked_by', 'text'),
            ('lease_expires_at', 'timestamp with time zone')
    $$,
    'pgqueue.job has the columns a worker reads, in this order and with these types.'
);

select has_index(
    'pgqueue', 'jobs', 'jobs_claim_idx', array['queue', 'priority', 'run_at', 'id'],
    'The claim index covers (queue, priority, run_at, id).'
);

select is(
    (
        select pg_get_expr(i.indpred, i.indrelid)
        from pg_index as i
        where i.indexrelid = 'pgqueue.jobs_claim_idx'::regclass
    ),
    '((lease_expires_at IS NULL) AND (finished_at IS NULL))',
    'The claim index is partial: it holds only pending jobs (no lease, not finished).'
);

select is(
    (
        select pg_get_indexdef(i.indexrelid)
        from pg_index as i
        where i.indexrelid = 'pgqueue.jobs_claim_idx'::regclass
    ),
    'CREATE INDEX jobs_claim_idx ON pgqueue.jobs USING btree (queue, priority DESC, run_at, id) '
    || 'WHERE ((lease_expires_at IS NULL) AND (finished_at IS NULL))',
    'The claim index is ordered as dequeue claims: priority descending, then run_at, then id.'
);

select has_index(
    'pgqueue', 'jobs', 'jobs_dedup_idx', array['queue', 'dedup_key'],
    'The dedup index covers (queue, dedup_key).'
);

select index_is_unique('pgqueue', 'jobs', 'jobs_dedup_idx', 'The dedup index is unique.');

select is(
    (
        select pg_get_expr(i.indpred, i.indrelid)
        from pg_index as i
        where i.indexrelid = 'pgqueue.jobs_dedup_idx'::regclass
    ),
    '((dedup_key IS NOT NULL) AND (finished_at IS NULL))',
    'The dedup index is partial: only unfinished (pending and processing) jobs with a dedup_key hold their key.'
);

select hasnt_fk('pgqueue', 'jobs', 'The hot table pgqueue.jobs has no foreign keys.');

select
    table_privs_are(
        'pgqueue',
        'cron_schedules',
        r.name,
        array[]::text[],
        format('%s has no access to the cron ledger (admins read the view pgqueue.schedules).', r.who)
    )
from roles as r
where r.name <> 'owner'
order by r.strength;

select is(
    (
        select pg_get_indexdef(i.indexrelid)
        from pg_index as i
        where i.indexrelid = 'pgqueue.jobs_lease_idx'::regclass
    ),
    'CREATE INDEX jobs_lease_idx ON pgqueue.jobs USING btree (lease_expires_at) '
    || 'WHERE (lease_expires_at IS NOT NULL)',
    'Rescue finds stuck jobs through a partial index over processing jobs.'
);

select is(
    (
        select pg_get_indexdef(i.indexrelid)
        from pg_index as i
        where i.indexrelid = 'pgqueue.jobs_expires_idx'::regclass
    ),
    'CREATE INDEX jobs_expires_idx ON pgqueue.jobs USING btree (expires_at) '
    || 'WHERE ((expires_at IS NOT NULL) AND (lease_expires_at IS NULL) AND (finished_at IS NULL))',
    'Expiry finds pending jobs past expires_at through a partial index.'
);

select is(
    (
        select pg_get_indexdef(i.indexrelid)
        from pg_index as i
        where i.indexrelid = 'pgqueue.jobs_finished_idx'::regclass
    ),
    'CREATE INDEX jobs_finished_idx ON pgqueue.jobs USING btree (queue, finished_at) '
    || 'WHERE (finished_at IS NOT NULL)',
    'Cleanup takes each queue''s oldest finished jobs through a partial index.'
);

-- Everything is documented -------------------------------------------------------------------

select isnt(obj_description('pgqueue'::regnamespace, 'pg_namespace'), null, 'The schema pgqueue has a comment.');

select is_empty(
    $$
        select p.proname
        from pg_proc as p
        where p.pronamespace = 'pgqueue'::regnamespace and obj_description(p.oid, 'pg_proc') is null
    $$,
    'Every function has a comment.'
);

select is_empty(
    $$
        select c.relname
        from pg_class as c
        where
            c.relnamespace = 'pgqueue'::regnamespace
            and c.relkind in ('r', 'v', 'p')
            and obj_description(c.oid, 'pg_class') is null
    $$,
    'Every table and view has a comment.'
);

select is_empty(
    $$
        select c.relname, a.attname
        from pg_class as c
        inner join pg_attribute as a on a.attrelid = c.oid
        where
            c.relnamespace = 'pgqueue'::regnamespace
            and c.relkind in ('r', 'v', 'p')
            and a.attnum > 0
            and not a.attisdropped
            and col_description(c.oid, a.attnum) is null
    $$,
    'Every column of every table and view has a comment.'
);

select is_empty(
    $$
        select t.typname
        from pg_type as t
        inner join pg_class as c on c.oid = t.typrelid
        where
            t.typnamespace = 'pgqueue'::regnamespace
            and c.relkind = 'c'
            and obj_description(t.oid, 'pg_type') is null
    $$,
    'Every composite type has a comment.'
);

select * from finish();
rollback;
