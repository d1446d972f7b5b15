-- pgqueue.version: the installed schema version.
begin;
select plan(2);

select is(
    pgqueue.version(),
    '0.3.0',
    'version() reports 0.3.0, the installed schema version.'
);

select matches(
    pgqueue.version(),
    '^[0-9]+\.[0-9]+\.[0-9]+$',
    'The version is three dot-separated numbers.'
);

select * from finish();
rollback;
