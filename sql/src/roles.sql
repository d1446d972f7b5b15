-- The three NOLOGIN roles an application role is granted one of. Roles are
-- cluster-wide: a second database of the same cluster finds them already there,
-- and two installers in two databases at once may race to create them, so a
-- duplicate is not an error.
do $roles$
declare
    v_role text;
begin
    foreach v_role in array array['pgqueue_producer', 'pgqueue_worker', 'pgqueue_admin'] loop
        if not exists (select from pg_catalog.pg_roles as r where r.rolname = v_role) then
            begin
                execute pg_catalog.format('create role %I nologin', v_role);
            exception
                when duplicate_object or unique_violation then
                    null;
            end;
        end if;
    end loop;
    -- A worker may do what a producer may; an admin what a worker may.
    if not pg_catalog.pg_has_role('pgqueue_worker', 'pgqueue_producer', 'member') then
        grant pgqueue_producer to pgqueue_worker;
    end if;
    if not pg_catalog.pg_has_role('pgqueue_admin', 'pgqueue_worker', 'member') then
        grant pgqueue_worker to pgqueue_admin;
    end if;
exception
    -- Two databases installing at once may both try the same grant.
    when unique_violation then
        null;
end
$roles$;
