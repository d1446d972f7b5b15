-- 0.2.0 -> 0.3.0: speed. PostgreSQL reads a table's CHECK constraints back
-- from their stored text and plans them again in every INSERT or UPDATE
-- statement: the five of pgqueue.jobs cost each one-job enqueue, claim and
-- acknowledgement about 105,000 instructions. The functions, the only
-- writers, check what they were checking (sql/src/tables/jobs.sql).
alter table pgqueue.jobs
drop constraint jobs_state_check,
drop constraint jobs_task_check,
drop constraint jobs_queue_check,
drop constraint jobs_attempt_check,
drop constraint jobs_max_retries_check;
