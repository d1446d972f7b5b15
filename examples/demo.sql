-- make demo: the whole job lifecycle from psql alone.
-- Enqueue a few example jobs, claim and acknowledge them as a worker would,
-- let one fail and retry, and print pgqueue.stats().
\pset footer off
\set worker 'demo-worker'

\echo '== enqueue: a plain job, a high-priority one, a delayed one, a deduplicated pair'
select pgqueue.enqueue('task:send:email', '{"to": "ada@example.com", "subject": "Welcome"}') as email_job \gset
select pgqueue.enqueue('task:send:sms', '{"to": "+15550100"}', priority => 10) as urgent_job \gset
select pgqueue.enqueue('task:report:daily', '{"day": "2026-11-21"}', delay => '1 hour') as delayed_job \gset
select
    pgqueue.enqueue('task:sync:account', '{"account": 42}', dedup_key => 'sync:42') as first_call,
    pgqueue.enqueue('task:sync:account', '{"account": 42}', dedup_key => 'sync:42') as second_call;
select pgqueue.enqueue('task:flaky', '{"n": 1}', max_retries => 1) as flaky_job \gset
select * from pgqueue.enqueue_many('[
    {"task": "task:resize:image", "payload": {"file": "a.png"}},
    {"task": "task:resize:image", "payload": {"file": "b.png"}, "queue": "images"}
]') as bulk_ids;

\echo ''
\echo '== dequeue: the worker claims everything due, highest priority first'
create temp table claimed as
select * from pgqueue.dequeue(:'worker', batch_size => 10);
select id, task, queue, priority, attempt, lease_expires_at - now() as lease from claimed;

\echo '== the flaky job fails once: back to pending (retry_in 0 to skip the backoff wait)'
select pgqueue.fail(:flaky_job, :'worker', 'connection reset by peer', retry_in => '0 seconds') as new_state;

\echo '== everything else succeeds: one complete_many acknowledges the batch'
select pgqueue.complete_many(
    array(select id from claimed where id <> :flaky_job), :'worker'
) as completed;

\echo '== the flaky job runs again and succeeds on attempt 2'
select id, task, attempt from pgqueue.dequeue(:'worker', batch_size => 10);
select pgqueue.complete(:flaky_job, :'worker') as completed;

\echo '== a second worker may not complete a job it does not hold (fencing)'
select pgqueue.complete(:email_job, 'someone-else') as completed_by_someone_else;

\echo ''
\echo '== the jobs'
select id, task, queue, state, attempt, priority,
       pg_catalog.jsonb_array_length(errors) as errors,
       case when run_at > now() then 'in ' || date_trunc('second', run_at - now())::text end as runs
from pgqueue.jobs
order by id;

\echo '== pgqueue.stats()'
select * from pgqueue.stats();
