import { Migration } from '@mikro-orm/migrations';

// Several processes create the coming days' partitions (every server at start, every jobs run): the
// function now takes a transaction-scoped advisory lock, so two of them never race on one partition
// (a race failed with "relation already exists" or a duplicate pg_type row, or deadlocked with inserts).
export class Migration20261201210000_partition_lock extends Migration {
  override name = 'Migration20261201210000_partition_lock';

  override up(): void | Promise<void> {
    this.addSql(`
create or replace function sb_ensure_day_partition(parent text, day date) returns boolean language plpgsql as $fn$
declare
  part text := parent || '_p' || to_char(day, 'YYYYMMDD');
  col text := case parent when 'event' then 'received_at' else 'started_at' end;
  lo timestamptz := day::timestamp at time zone 'UTC';
  hi timestamptz := (day + 1)::timestamp at time zone 'UTC';
begin
  if to_regclass(part) is not null then
    return false;
  end if;
  perform pg_advisory_xact_lock(hashtext('switchboard:partitions'));
  if to_regclass(part) is not null then
    return false;
  end if;
  execute format('create table %I (like %I including defaults including constraints)', part, parent);
  execute format('with moved as (delete from %I where %I >= %L and %I < %L returning *) insert into %I select * from moved',
                 parent || '_pdefault', col, lo, col, hi, part);
  execute format('alter table %I attach partition %I for values from (%L) to (%L)', parent, part, lo, hi);
  return true;
end
$fn$;`);
  }

  override down(): void | Promise<void> {}
}
