// Cluster ids hash the sorted ids of their members: the same functions give
// the same id whatever order records arrive in and wherever the functions
// moved; a different membership gives a different id. Output order is
// deterministic too.
import { describe, expect, it } from 'vitest';
import { clusterEmbeddings, clusterId } from '../../runners/simtask/cluster.js';
import { embedLocally, fixtureFunctions, clusterOptions } from './helpers.js';

describe('cluster ids', async () => {
  const options = clusterOptions();
  const records = await embedLocally(fixtureFunctions());
  const clusters = await clusterEmbeddings(records, options);

  it('are the hash of the sorted member ids', () => {
    for (const cluster of clusters) {
      expect(cluster.id).toBe(clusterId(cluster.members.map((m) => m.id).reverse()));
      expect(cluster.id).toMatch(/^c[0-9a-f]{12}$/);
    }
    expect(clusterId(['a', 'b'])).not.toBe(clusterId(['a', 'b', 'c']));
  });

  it('and the whole output do not depend on the order of the input records', async () => {
    const reversed = await clusterEmbeddings([...records].reverse(), options);
    const rotated = await clusterEmbeddings([...records.slice(17), ...records.slice(0, 17)], options);
    expect(reversed).toEqual(clusters);
    expect(rotated).toEqual(clusters);
  });

  it('do not change when a member moves to other lines', async () => {
    const moved = records.map((r) => ({ ...r, startLine: r.startLine + 40, endLine: r.endLine + 40 }));
    expect((await clusterEmbeddings(moved, options)).map((c) => c.id)).toEqual(clusters.map((c) => c.id));
  });
});
