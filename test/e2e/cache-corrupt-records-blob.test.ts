// Acceptance: a corrupt records blob (a chunk of a task stage's dataset in
// .runner/objects) is never read as records. The stage that produced it runs
// again before a consumer reads it; a rerun of the producer (--force,
// --force=S, --no-cache) writes a sound blob over it; and a consumer run
// without its producer fails before it sees a single record, naming the
// producer, and the next run recovers.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { warnings } from '../cache/dag-workspace.js';
import { outcomes, stageEnd, Workspace } from './rig.js';

const COUNT = 2000;

const MODULE = `import fs from 'node:fs';
export function gen() {
  return Array.from({ length: ${COUNT} }, (_, i) => ({ i, word: 'w' + String(i).padStart(4, '0') }));
}
export async function all(ctx) {
  let count = 0, sum = 0, last;
  for await (const record of ctx.upstream('gen')) { count++; sum += record.i; last = record.word; }
  fs.writeFileSync(ctx.workspace.resolve('all.json'), JSON.stringify({ count, sum, last }));
}
export async function first(ctx) {
  for await (const record of ctx.upstream('gen')) {
    fs.writeFileSync(ctx.workspace.resolve('first.json'), JSON.stringify(record));
    break;
  }
}
export function twice(record) { return { i: record.i * 2 }; }
`;

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      gen: { run: t.mjs#gen }
      all: { run: t.mjs#all, needs: [gen] }
      first: { run: t.mjs#first, needs: [gen] }
      twice: { run: t.mjs#twice, foreach: gen }
`;

const ALL = { count: COUNT, sum: (COUNT * (COUNT - 1)) / 2, last: 'w1999' };

describe('cache: a corrupt records blob', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  const warm = async (): Promise<void> => {
    ws = new Workspace();
    ws.write('t.mjs', MODULE);
    ws.write('pipelines.yaml', PIPELINE);
    const first = await ws.run(['exec', 'p', '--json']);
    expect(first.code, first.stderr).toBe(0);
    fs.rmSync(ws.path('all.json'));
    fs.rmSync(ws.path('first.json'));
  };

  const genHash = (): string => {
    const state = JSON.parse(ws.read('.runner/state.json')) as {
      stages: Record<string, { dataset?: { hash: string } }>;
    };
    const hash = state.stages['p/gen']?.dataset?.hash;
    if (!hash) throw new Error('gen has no dataset');
    return hash;
  };

  /** gen's records are stored in chunks, named by the blob genHash() names: the last chunk holds the last record. */
  const lastChunk = (): string => {
    const index = fs.readFileSync(ws.path('.runner/objects', genHash()), 'utf8');
    const chunks = JSON.parse(index.slice(index.indexOf('\n') + 1)) as [string][];
    return chunks.at(-1)?.[0] ?? '';
  };
  const blob = (): string => ws.path('.runner/objects', lastChunk());

  /** Rewrites gen's blob with `edit` applied to its text (same length: only the content is wrong). */
  const corrupt = (edit: (text: string) => string): void => {
    const text = fs.readFileSync(blob(), 'utf8');
    const edited = edit(text);
    expect(edited).not.toBe(text);
    expect(edited.length).toBe(text.length);
    fs.writeFileSync(blob(), edited);
  };
  /** The last record no longer parses (the `invalid JSON` of the issue). */
  const breakJson = (): void => corrupt((text) => `${text.slice(0, -2)}]\n`);
  /** The last record still parses, but is not what gen produced. */
  const changeLastRecord = (): void => corrupt((text) => text.replace('"w1999"', '"w1998"'));

  const isSound = (hash: string): boolean =>
    createHash('sha256')
      .update(fs.readFileSync(ws.path('.runner/objects', hash)))
      .digest('hex') === hash;

  it('a no-op run decides without reading a records blob whose stat is as this workspace left it', async () => {
    await warm();
    // Damage the blob behind the stat's back (bit rot, say): no write a test can make keeps its ctime, so the
    // workspace's record of the blob's last check is given the damaged blob's stat.
    changeLastRecord();
    const checksFile = ws.path('.runner/blob-checks.json');
    const checks = JSON.parse(fs.readFileSync(checksFile, 'utf8')) as { blobs: Record<string, number[]> };
    expect(checks.blobs[lastChunk()]).toBeDefined();
    const after = fs.statSync(blob());
    checks.blobs[lastChunk()] = [after.size, after.ctimeMs, after.ino];
    fs.writeFileSync(checksFile, JSON.stringify(checks));
    // Only gen is selected, so no reader verifies the blob: had deciding read it, gen would run again.
    const noop = await ws.run(['exec', 'p', '--json', '--only', 'gen']);
    expect(noop.code, noop.stderr).toBe(0);
    expect(outcomes(noop.events)).toEqual({ gen: 'cached' });
  });

  it.each([
    ['that do not parse', breakJson],
    ['that parse but are not what gen produced', changeLastRecord],
  ])('records %s: the producer runs again before its consumers read them', async (_name, damage) => {
    await warm();
    damage();
    const run = await ws.run(['exec', 'p', '--json', '--force=all', '--force=first', '--force=twice']);
    expect(run.code, run.stderr).toBe(0);
    expect(outcomes(run.events)).toEqual({ gen: 'ran', all: 'ran', first: 'ran', twice: 'ran' });
    expect(stageEnd(run.events, 'gen').reason).toBe('output changed: (records of gen)');
    expect(warnings(run.events).join('\n')).toMatch(/records in \.runner\/objects were corrupt and have been removed/);
    expect(JSON.parse(ws.read('all.json'))).toEqual(ALL);
    expect(stageEnd(run.events, 'twice').items).toMatchObject({ total: COUNT, done: COUNT, failed: 0 });
    expect(isSound(genHash())).toBe(true);
    expect(isSound(lastChunk())).toBe(true);
  });

  it.each([['--force'], ['--force=gen'], ['--no-cache']])(
    '%s: the producer reruns and writes a sound blob over the corrupt one',
    async (flag) => {
      await warm();
      const hash = genHash();
      const chunk = lastChunk();
      changeLastRecord();
      const run = await ws.run(['exec', 'p', '--json', flag]);
      expect(run.code, run.stderr).toBe(0);
      expect(outcomes(run.events)).toMatchObject({ gen: 'ran', all: 'ran', first: 'ran', twice: 'ran' });
      expect(JSON.parse(ws.read('all.json'))).toEqual(ALL);
      expect(genHash()).toBe(hash);
      expect(isSound(chunk)).toBe(true);
    },
  );

  it.each([['first'], ['twice']])(
    'a consumer (%s) run without its producer fails before it reads a record; the next run recovers',
    async (consumer) => {
      await warm();
      const hash = lastChunk();
      changeLastRecord();
      const failed = await ws.run(['exec', 'p', '--json', `--only=${consumer}`, `--force=${consumer}`]);
      expect(failed.code).toBe(1);
      const end = stageEnd(failed.events, consumer);
      expect(end.outcome).toBe('failed');
      expect(end.failure).toEqual({ kind: 'upstream-records-lost', stage: 'p/gen', problem: 'corrupt' });
      expect(end.reason).toBe(
        'the records of p/gen in .runner/objects were corrupt and have been removed; ' +
          'the next run of p/gen recomputes them',
      );
      expect(ws.exists('first.json')).toBe(false);
      expect(fs.existsSync(ws.path('.runner/objects', hash))).toBe(false);

      const next = await ws.run(['exec', 'p', '--json', `--force=${consumer}`]);
      expect(next.code, next.stderr).toBe(0);
      expect(stageEnd(next.events, 'gen')).toMatchObject({
        outcome: 'ran',
        reason: 'output missing: (records of gen)',
      });
      expect(outcomes(next.events)[consumer]).toBe('ran');
      expect(isSound(hash)).toBe(true);
      if (consumer === 'first') expect(JSON.parse(ws.read('first.json'))).toEqual({ i: 0, word: 'w0000' });
    },
  );
});
