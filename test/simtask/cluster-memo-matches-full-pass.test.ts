// cluster keeps every function's neighbour list in ctx.memo and, on a
// rerun, looks for neighbours again only for the functions an edit touches
// (runners/simtask/neighbour-memo.ts). What it returns must be exactly what
// a full pass returns: checked after functions are edited, added, removed
// and renamed, with MinHash and with hyperplane bands; and a memo it cannot
// trust (other settings or code, damaged) is not used. A bucket too large to
// pair in full is looked at again whole once its members change.
import { describe, expect, it } from 'vitest';
import { generateCodebase } from '../../bench/simtask/generate.js';
import { clusterEmbeddings } from '../../runners/simtask/cluster.js';
import type { ClusterMemo } from '../../runners/simtask/cluster.js';
import { extractFunctions } from '../../runners/simtask/extract.js';
import type { EmbedRecord } from '../../runners/simtask/types.js';
import { embedLocally, clusterOptions } from './helpers.js';

const options = clusterOptions();

async function generated(): Promise<EmbedRecord[]> {
  const { files } = generateCodebase({ files: 200, functionsPerFile: 10, seed: 11 });
  return embedLocally(files.flatMap((file) => extractFunctions(file.path, file.text)));
}

/** A rerun's records: some functions take another's code (as an edit that makes or breaks a duplicate), some go, some are new, one is renamed. */
function edited(records: EmbedRecord[]): EmbedRecord[] {
  const out = records.map((r) => ({ ...r }));
  for (const [to, from] of [
    [5, 700],
    [321, 1200],
    [900, 901],
  ] as const) {
    const source = records[from] as EmbedRecord;
    Object.assign(out[to] as EmbedRecord, { vector: source.vector, sketch: source.sketch, codeHash: source.codeHash });
  }
  const copies = [40, 41, 1500].map((i) => ({ ...(records[i] as EmbedRecord), id: `${records[i]?.id}~copy` }));
  (out[77] as EmbedRecord).id = `${out[77]?.id}~renamed`;
  return [...out.filter((_, i) => i % 97 !== 3), ...copies];
}

const shape = (clusters: Awaited<ReturnType<typeof clusterEmbeddings>>): string => JSON.stringify(clusters);

describe('cluster from the neighbour lists the last run kept', () => {
  for (const bands of ['minhash', 'hyperplane'] as const) {
    it(`gives what a full pass gives after an edit (${bands} bands)`, async () => {
      const all = await generated();
      const records = bands === 'minhash' ? all : all.map(({ sketch: _sketch, ...rest }) => rest);
      const first: ClusterMemo = {};
      await clusterEmbeddings(records, options, first);
      expect(first.next).toBeDefined();
      expect(first.rescored).toBeGreaterThan(1000);

      const rerun = edited(records);
      const again: ClusterMemo = { previous: first.next };
      const incremental = await clusterEmbeddings(rerun, options, again);
      const fresh: ClusterMemo = {};
      const full = await clusterEmbeddings(rerun, options, fresh);
      expect(incremental.length).toBeGreaterThan(50);
      expect(shape(incremental)).toBe(shape(full));
      // Every function's own list (an edge needs only one side's), as a full pass makes it.
      expect(again.next).toEqual(fresh.next);
      // Only the touched functions were looked at again.
      expect(again.rescored).toBeGreaterThan(3);
      expect(again.rescored).toBeLessThan(rerun.length / 10);

      // And the memo it kept serves the run after it.
      const third: ClusterMemo = { previous: again.next };
      expect(shape(await clusterEmbeddings(rerun, options, third))).toBe(shape(full));
      expect(third.rescored).toBe(0);
    }, 60_000);
  }

  it('gives what a full pass gives after many functions changed (a band scanned, not searched per key)', async () => {
    const records = await generated();
    const first: ClusterMemo = {};
    await clusterEmbeddings(records, options, first);
    // 60 functions take another's code: over lsh.ts's SEARCHED_KEYS keys wanted in each band.
    const rerun = records.map((r, i) => {
      const source = records[(i * 7 + 3) % records.length] as EmbedRecord;
      return i % 33 === 0 ? { ...r, vector: source.vector, sketch: source.sketch, codeHash: source.codeHash } : r;
    });
    const again: ClusterMemo = { previous: first.next };
    const incremental = await clusterEmbeddings(rerun, options, again);
    const fresh: ClusterMemo = {};
    expect(shape(incremental)).toBe(shape(await clusterEmbeddings(rerun, options, fresh)));
    expect(again.next).toEqual(fresh.next);
    expect(again.rescored).toBeGreaterThan(60);
    expect(again.rescored).toBeLessThan(rerun.length / 2);
  }, 60_000);

  it('does not use a memo made under other settings, or a damaged one', async () => {
    const records = await generated();
    const first: ClusterMemo = {};
    await clusterEmbeddings(records, options, first);
    const next = first.next as NonNullable<ClusterMemo['next']>;

    const otherK: ClusterMemo = { previous: next };
    const withK = await clusterEmbeddings(records, { ...options, k: options.k + 1 }, otherK);
    expect(otherK.rescored).toBe(records.length - records.filter((r) => r.tokens < options.minTokens).length);
    expect(shape(withK)).toBe(shape(await clusterEmbeddings(records, { ...options, k: options.k + 1 })));

    // Kept under other code (ctx.code): every function is looked at again.
    const otherCode: ClusterMemo = { previous: next, code: 'another' };
    expect(shape(await clusterEmbeddings(records, options, otherCode))).toBe(
      shape(await clusterEmbeddings(records, options)),
    );
    expect(otherCode.rescored).toBe(otherK.rescored);
    const sameCode: ClusterMemo = { previous: next };
    await clusterEmbeddings(records, options, sameCode);
    expect(sameCode.rescored).toBe(0);

    for (const damaged of [{ ...next, index: next.similarity }, { ...next, ids: 'a\nb' }, 'not a memo', null]) {
      const memo: ClusterMemo = { previous: damaged };
      expect(shape(await clusterEmbeddings(records, options, memo))).toBe(
        shape(await clusterEmbeddings(records, options)),
      );
      expect(memo.rescored).toBe(otherK.rescored);
    }
  }, 60_000);

  it('looks again at every member of a bucket too large to pair in full once its members change', async () => {
    const records = await generated();
    // 600 copies of one function share every band's bucket: over lsh.ts's MAX_BUCKET, so paired by window.
    const family = Array.from({ length: 600 }, (_, n) => ({ ...(records[10] as EmbedRecord), id: `copy-${n}` }));
    const crowded = [...records, ...family];
    const first: ClusterMemo = {};
    await clusterEmbeddings(crowded, options, first);
    const reruns: [string, EmbedRecord[], (rescored: number) => void][] = [
      ['one member gone', crowded.filter((r) => r.id !== 'copy-300'), (n) => expect(n).toBeGreaterThanOrEqual(600)],
      [
        'one member more',
        [...crowded, { ...(records[10] as EmbedRecord), id: 'copy-600' }],
        (n) => expect(n).toBeGreaterThanOrEqual(601),
      ],
      [
        'an edit elsewhere',
        crowded.map((r, i) =>
          i === 321 ? { ...r, vector: records[1200]?.vector as string, sketch: records[1200]?.sketch } : r,
        ),
        (n) => expect(n).toBeLessThan(100),
      ],
    ];
    for (const [what, rerun, expectRescored] of reruns) {
      const memo: ClusterMemo = { previous: first.next };
      const clusters = await clusterEmbeddings(rerun, options, memo);
      const fresh: ClusterMemo = {};
      expect(shape(clusters), what).toBe(shape(await clusterEmbeddings(rerun, options, fresh)));
      expect(memo.next, what).toEqual(fresh.next);
      expectRescored(memo.rescored ?? 0);
    }
  }, 60_000);
});
