-- 0.2.0 -> 0.3.0: speed. PostgreSQL reads a table's CHECK constraints back
-- from their stored text and plans them again in every INSERT or UPDATE
-- statement: the five of pgqueue.jobs cost each one-job enqueue, claim and
-- acknowledgement about 105,000 instructions. The state check stays, in a form
-- a third the size (sql/src/tables/jobs.sql); the functions, the only writers,
-- check the rest. Re-adding it scans the table once (about 0.15 s per million
-- jobs) and rewrites nothing.
alter table pgqueue.jobs
drop constraint jobs_state_check,
drop constraint jobs_task_check,
drop constraint jobs_queue_check,
drop constraint jobs_attempt_check,
drop constraint jobs_max_retries_check,
add constraint jobs_state_check check (
    state = any('{pending,processing,done,failed,cancelled,expired}'::text[])
);
