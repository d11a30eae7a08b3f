// LSH only chooses which pairs get scored; scoring is exact. So whenever
// LSH finds the near pairs, both paths give identical clusters: checked on
// the fixture for both kinds of bands (MinHash sketches from the local
// embedder, random hyperplanes for vectors without sketches). On a
// generated codebase large enough that the default path is LSH, LSH may
// miss a loose pair that exact scoring links by chance: there every planted
// family exact finds, LSH finds too, and nearly all clusters are identical.
import { describe, expect, it } from 'vitest';
import { generateCodebase } from '../../bench/simtask/generate.js';
import { extractFunctions } from '../../runners/simtask/extract.js';
import { clusterEmbeddings } from '../../runners/simtask/cluster.js';
import { EXACT_BELOW } from '../../runners/simtask/neighbours.js';
import type { EmbedRecord } from '../../runners/simtask/types.js';
import { embedLocally, fixtureFunctions, clusterOptions } from './helpers.js';

const options = clusterOptions();
const shape = (clusters: { id: string; members: { id: string }[] }[]): string[] =>
  clusters.map((c) => `${c.id}: ${c.members.map((m) => m.id).join(' ')}`);
const withoutSketches = (records: EmbedRecord[]): EmbedRecord[] => records.map(({ sketch: _sketch, ...rest }) => rest);

describe('LSH and exact neighbours agree', () => {
  it('on the fixture, with MinHash bands', async () => {
    const records = await embedLocally(fixtureFunctions());
    const exact = await clusterEmbeddings(records, options);
    expect(exact.length).toBeGreaterThan(10);
    expect(shape(await clusterEmbeddings(records, { ...options, exactBelow: 0 }))).toEqual(shape(exact));
  });

  it('on the fixture, with random-hyperplane bands (vectors without sketches, as from Ollama)', async () => {
    const records = withoutSketches(await embedLocally(fixtureFunctions()));
    const exact = await clusterEmbeddings(records, options);
    expect(shape(await clusterEmbeddings(records, { ...options, exactBelow: 0 }))).toEqual(shape(exact));
  });

  it(`on a generated codebase of more than ${EXACT_BELOW} functions, where LSH is the default`, async () => {
    const { files, families } = generateCodebase({ files: 200, functionsPerFile: 10, seed: 7 });
    const functions = files.flatMap((file) => extractFunctions(file.path, file.text));
    expect(functions.length).toBeGreaterThan(EXACT_BELOW);
    const records = await embedLocally(functions);
    const lsh = await clusterEmbeddings(records, options);
    const exact = await clusterEmbeddings(records, { ...options, exactBelow: Number.POSITIVE_INFINITY });
    expect(exact.length).toBeGreaterThan(50);
    const isWhole = (clusters: typeof exact, family: string[]): boolean =>
      clusters.some((c) => family.every((name) => c.members.some((m) => m.name === name)));
    for (const family of families.filter((f) => isWhole(exact, f)))
      expect(isWhole(lsh, family), family.join(' + ')).toBe(true);
    const same = new Set(shape(lsh));
    expect(shape(exact).filter((c) => same.has(c)).length / exact.length).toBeGreaterThan(0.97);
  }, 60_000);
});
