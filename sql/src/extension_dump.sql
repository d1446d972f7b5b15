-- Installed as an extension, pgqueue's tables belong to it, and pg_dump would
-- leave out their rows (and the id sequence's position) unless told to keep
-- them: a backup must keep the jobs, the archive and the schedules. Every
-- table of the schema is listed here; a test checks none is missing. A plain install needs nothing, and the
-- plain script refuses to run where the extension exists, so this is a no-op
-- there.
do $extension_dump$
begin
    if exists (select from pg_catalog.pg_extension as e where e.extname = 'pgqueue') then
        perform pg_catalog.pg_extension_config_dump('pgqueue.queues', '');
        perform pg_catalog.pg_extension_config_dump('pgqueue.jobs', '');
        perform pg_catalog.pg_extension_config_dump('pgqueue.jobs_id_seq', '');
        perform pg_catalog.pg_extension_config_dump('pgqueue.jobs_archive', '');
        perform pg_catalog.pg_extension_config_dump('pgqueue.cron_schedules', '');
    end if;
end
$extension_dump$;
