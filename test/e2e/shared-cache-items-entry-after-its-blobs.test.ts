// A map stage's item cache reaches the shared store entry last: its
// `items:` entry only after every blob it names (the item manifest, and the
// dataset its items are in). The store here fails every write after the
// `items:` entry (a Postgres trigger: the disk filling up at that moment, or
// the run killed then): another machine still finds every item the entry
// names, rather than an entry whose dataset never arrived, every item
// computed again.
import { afterEach, describe, expect, it } from 'vitest';
import { TABLE } from '../../src/cache/postgres-store.js';
import { withPostgres } from '../cache/store-backends.js';
import { stageEnd } from './rig.js';
import { sharedCacheRig } from './shared-cache-rig.js';

const COUNT = 50;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      gen: { run: m.mjs#gen }
      keyed: { run: m.mjs#keyed, foreach: gen, cache: { scope: item } }
`;
const MODULE = `export function* gen() { for (let i = 0; i < ${COUNT}; i++) yield { id: 'r' + i, text: 'record ' + i }; }
export const keyed = { run: (record) => ({ id: record.id, chars: record.text.length }) };
`;
const FILES = { 'pipelines.yaml': PIPELINE, 'm.mjs': MODULE };

// Once a row with an `items:` key is written, every later write fails.
const FAIL_AFTER_ITEMS_ENTRY = `
CREATE TABLE ${TABLE} (key VARCHAR(1024) PRIMARY KEY, value TEXT);
CREATE TABLE items_written (at timestamptz);
CREATE FUNCTION fail_after_items_entry() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM items_written) THEN RAISE EXCEPTION 'could not extend file: No space left on device'; END IF;
  IF NEW.key LIKE 'runner:items:%' THEN INSERT INTO items_written VALUES (now()); END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER fail_after_items_entry BEFORE INSERT OR UPDATE ON ${TABLE}
  FOR EACH ROW EXECUTE FUNCTION fail_after_items_entry();
`;

describe('an item cache written to a shared store (postgres) that fails right after its items entry', () => {
  const rig = sharedCacheRig('postgres');
  afterEach(async () => {
    await withPostgres(rig.url(), async (client) => {
      await client.query(
        `DROP TABLE IF EXISTS ${TABLE}, items_written; DROP FUNCTION IF EXISTS fail_after_items_entry`,
      );
    });
  });

  it('leaves the entry with every blob it names: another machine reuses every item', async () => {
    await withPostgres(rig.url(), (client) => client.query(FAIL_AFTER_ITEMS_ENTRY));
    const env = { RUNNER_CACHE_URL: rig.url() };
    const first = await rig.machine(FILES).run(['exec', 'p', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('No space left on device');
    expect((await rig.keys()).filter((key) => key.startsWith('items:'))).toHaveLength(1);

    await withPostgres(rig.url(), (client) => client.query(`DROP TRIGGER fail_after_items_entry ON ${TABLE}`));
    const second = await rig.machine(FILES).run(['exec', 'p', '--json'], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.events.filter((e) => e.event === 'warning')).toEqual([]);
    expect(stageEnd(second.events, 'keyed').items).toEqual({ total: COUNT, done: COUNT, cached: COUNT, failed: 0 });
  });
});
