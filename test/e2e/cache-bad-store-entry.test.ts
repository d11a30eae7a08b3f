// A stage record in the cache store of the wrong shape (another build's,
// or damaged): a miss and one warning naming the entry; the stage runs and
// its new record replaces the entry. Before, the stage failed with a
// TypeError in every run until the store was cleared.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultStoreUrl, openStore } from '../../src/cache/store.js';
import { outcomes, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      copy:
        shell: "cat in.txt > copy.txt"
        inputs: [in.txt]
        outputs: [copy.txt]
`;

describe('a stage record of the wrong shape in the cache store', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each([
    ['outputs null', { outputs: null }, 'outputs: expected an array, got null'],
    ['createdAt a string', { createdAt: 'yesterday' }, 'createdAt: expected a number, got "yesterday"'],
  ])('%s: is a miss with one warning, and the stage runs and replaces it', async (_name, patch, problem) => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('in.txt', 'hello\n');
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    const fingerprint = (
      JSON.parse(ws.read('.runner/state.json')) as { stages: Record<string, { fingerprint: string }> }
    ).stages['p/copy']?.fingerprint;
    const key = `stage:${fingerprint}`;
    const store = await openStore(defaultStoreUrl(ws.path('.runner')), ws.dir, () => {});
    await store.set(key, { ...((await store.get(key)) as object), ...patch });
    await store.close();
    // Without the workspace state, the stage's record comes from the store.
    fs.rmSync(ws.path('.runner', 'state.json'));

    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(outcomes(result.events)).toEqual({ copy: 'ran' });
    expect(result.events.filter((e) => e.event === 'warning').map((e) => e.message)).toEqual([
      `cache store entry ${key}: ${problem}; ignoring it`,
    ]);

    fs.rmSync(ws.path('.runner', 'state.json'));
    const again = await ws.run(['exec', 'p', '--json']);
    expect(outcomes(again.events)).toEqual({ copy: 'cached' });
    expect(again.events.filter((e) => e.event === 'warning')).toEqual([]);
  });
});
