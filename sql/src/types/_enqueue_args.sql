-- The shape of one element of enqueue_many's array: enqueue's parameters. The
-- single list of those names that enqueue_many parses with and checks keys by.
create type pgqueue._enqueue_args as (
    task text,
    payload jsonb,
    queue text,
    priority integer,
    run_at timestamptz,
    delay interval,
    max_retries integer,
    dedup_key text,
    expires_at timestamptz
);

comment on type pgqueue._enqueue_args is
'Internal: one element of pgqueue.enqueue_many''s input, with the parameter names of pgqueue.enqueue.';
