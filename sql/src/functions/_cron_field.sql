-- Parses one field of a 5-field cron spec into the sorted, distinct values it
-- allows, once, so that cron_next can walk arrays instead of matching text for
-- every candidate minute. A field is a comma-separated list of elements; an
-- element is `*`, a value, or a range `a-b`, optionally followed by a step
-- `/n` (`*/15`, `1-30/5`, and `5/10` meaning 5 to the field's maximum by 10).
-- Values are numbers or, where the field has them, three-letter names
-- (`names[1]` is min_value, case-insensitive). Anything else is 22023 naming
-- the field and its text, with the reason in the error's detail.
create or replace function pgqueue._cron_field(
    field text,
    min_value integer,
    max_value integer,
    names text[],
    field_name text
)
returns integer[]
language plpgsql
immutable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_element text;
    v_elements text[] := pg_catalog.string_to_array(_cron_field.field, ',');
    v_range text;
    v_step_text text;
    v_token text;
    v_bounds integer[];
    v_value integer;
    v_step integer;
    -- For a list, which values are allowed, indexed by value: sorts and
    -- deduplicates without a query (this runs five times per cron_next call).
    v_allowed boolean[];
    v_values integer[] := '{}';
begin
    if _cron_field.field is null or _cron_field.field = '' then
        raise exception 'invalid cron % field "%"', _cron_field.field_name, coalesce(_cron_field.field, 'NULL')
            using errcode = '22023', detail = 'The field is empty.';
    end if;

    if pg_catalog.cardinality(v_elements) > 1 then
        v_allowed := pg_catalog.array_fill(
            false, array[_cron_field.max_value - _cron_field.min_value + 1], array[_cron_field.min_value]
        );
    end if;

    foreach v_element in array v_elements loop
        -- Checked with ~* and taken apart with split_part: regexp_match with
        -- capture groups is twenty times slower.
        if v_element !~* '^(\*|[0-9a-z]+(-[0-9a-z]+)?)(/[0-9]+)?$' then
            raise exception 'invalid cron % field "%"', _cron_field.field_name, _cron_field.field
                using errcode = '22023',
                    detail = pg_catalog.format(
                        'Cannot parse "%s": expected *, a value or a range a-b, optionally with a step /n.', v_element
                    );
        end if;

        v_range := pg_catalog.split_part(v_element, '/', 1);
        v_step_text := nullif(pg_catalog.split_part(v_element, '/', 2), '');
        if v_range = '*' then
            v_bounds := array[_cron_field.min_value, _cron_field.max_value];
        else
            v_bounds := '{}';
            foreach v_token in array pg_catalog.string_to_array(v_range, '-') loop
                if v_token ~ '^[0-9]+$' then
                    -- Past nine digits it is out of range anyway: don't let the cast overflow.
                    v_value := case
                        when pg_catalog.length(pg_catalog.ltrim(v_token, '0')) <= 9 then v_token::integer
                        else _cron_field.max_value + 1
                    end;
                else
                    v_value := pg_catalog.array_position(_cron_field.names, pg_catalog.upper(v_token));
                    if v_value is null then
                        raise exception 'invalid cron % field "%"', _cron_field.field_name, _cron_field.field
                            using errcode = '22023',
                                detail = pg_catalog.format('"%s" is neither a number nor a known name.', v_token);
                    end if;
                    v_value := _cron_field.min_value + v_value - 1;
                end if;
                if v_value < _cron_field.min_value or v_value > _cron_field.max_value then
                    raise exception 'invalid cron % field "%"', _cron_field.field_name, _cron_field.field
                        using errcode = '22023',
                            detail = pg_catalog.format(
                                '%s is out of range %s-%s.', v_token, _cron_field.min_value, _cron_field.max_value
                            );
                end if;
                v_bounds := v_bounds || v_value;
            end loop;
            if pg_catalog.cardinality(v_bounds) = 1 then
                -- A single value: `5` is just 5, but `5/10` runs from 5 to the maximum.
                v_bounds := v_bounds
                    || case when v_step_text is null then v_bounds[1] else _cron_field.max_value end;
            elsif v_bounds[1] > v_bounds[2] then
                raise exception 'invalid cron % field "%"', _cron_field.field_name, _cron_field.field
                    using errcode = '22023',
                        detail = pg_catalog.format('The range %s runs backwards.', v_element);
            end if;
        end if;

        v_step := 1;
        if v_step_text is not null then
            -- Nine digits at most, so the cast cannot overflow.
            v_step := case when pg_catalog.length(v_step_text) <= 9 then v_step_text::integer end;
            if v_step is null or v_step not between 1 and _cron_field.max_value - _cron_field.min_value + 1 then
                raise exception 'invalid cron % field "%"', _cron_field.field_name, _cron_field.field
                    using errcode = '22023',
                        detail = pg_catalog.format(
                            'The step must be between 1 and %s (got %s).',
                            _cron_field.max_value - _cron_field.min_value + 1, v_step_text
                        );
            end if;
        end if;

        if v_allowed is null then
            -- The only element: its values come out sorted and distinct.
            for v_value in v_bounds[1] .. v_bounds[2] by v_step loop
                v_values := v_values || v_value;
            end loop;
            return v_values;
        end if;
        for v_value in v_bounds[1] .. v_bounds[2] by v_step loop
            v_allowed[v_value] := true;
        end loop;
    end loop;

    for v_value in _cron_field.min_value .. _cron_field.max_value loop
        if v_allowed[v_value] then
            v_values := v_values || v_value;
        end if;
    end loop;
    return v_values;
end;
$$;

comment on function pgqueue._cron_field(text, integer, integer, text[], text) is
'Internal: the sorted values one cron field allows (lists, ranges, steps, names); 22023 naming the field otherwise.';

revoke all on function pgqueue._cron_field(text, integer, integer, text[], text) from public;
