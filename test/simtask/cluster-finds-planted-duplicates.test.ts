// The acceptance bar on the fixture codebase: at least 90% of the planted
// groups come out as clusters (all their copies together), and no cluster
// mixes functions of different groups or unrelated functions.
import { describe, expect, it } from 'vitest';
import { clusterEmbeddings } from '../../runners/simtask/cluster.js';
import { simtaskSection, embedLocally, fixtureFunctions, memberKey, plantedGroups } from './helpers.js';

describe('cluster on the fixture codebase, with the default params', async () => {
  const { params } = simtaskSection();
  const records = await embedLocally(fixtureFunctions());
  const groups = plantedGroups();
  const groupOf = new Map<string, number>();
  groups.forEach((group, i) => {
    for (const member of group) groupOf.set(member, i);
  });
  const options = {
    threshold: Number(params.threshold),
    k: Number(params.k),
    minSize: Number(params.minSize),
    minTokens: Number(params.minTokens),
  };

  for (const [path, exactBelow] of [
    ['exact', undefined],
    ['LSH', 0],
  ] as const) {
    describe(`${path} neighbours`, async () => {
      const clusters = await clusterEmbeddings(records, {
        ...options,
        ...(exactBelow === undefined ? {} : { exactBelow }),
      });
      const clusterKeys = clusters.map((c) => new Set(c.members.map(memberKey)));

      it('recovers at least 90% of the planted groups whole', () => {
        const found = groups.filter((group) => clusterKeys.some((keys) => group.every((member) => keys.has(member))));
        const missing = groups.filter((group) => !found.includes(group)).map((group) => group.join(' + '));
        expect(found.length / groups.length, `missing: ${missing.join('; ')}`).toBeGreaterThanOrEqual(0.9);
      });

      it('never mixes groups, nor adds unrelated functions to a group', () => {
        for (const keys of clusterKeys) {
          const labels = new Set([...keys].map((key) => groupOf.get(key) ?? `unrelated ${key}`));
          expect(labels.size, [...keys].join(' + ')).toBe(1);
        }
      });
    });
  }
});
