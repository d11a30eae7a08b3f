// Acceptance: tuning performance knobs in the YAML never invalidates the cache.
import { describe, expect, it } from 'vitest';
import { STAGES, warmDagWorkspace } from '../cache/dag-workspace.js';

const allCached = Object.fromEntries(STAGES.map((s) => [s, 'cached']));

describe('cache: performance knobs', () => {
  it('changing a stage concurrency or batchSize keeps every stage cached', async () => {
    const ws = await warmDagWorkspace();
    ws.configure({ extra: { a1: ['concurrency: 16'], b2: ['batchSize: 7'] } });
    const run = await ws.exec();
    expect(run.code).toBe(0);
    expect(run.executed).toEqual([]);
    expect(run.outcome).toEqual(allCached);
  });

  it('changing every knob, on stages and in defaults, keeps every stage cached', async () => {
    const ws = await warmDagWorkspace({ extra: { b1: ['concurrency: 2'] } });
    ws.configure({
      defaults: ['concurrency: 1', 'batchSize: 3', 'timeout: 10m', 'retries: 2', 'warm: true'],
      extra: {
        a1: [
          'concurrency: 32',
          'batchSize: 1',
          'stream: true',
          'isolate: process',
          'warm: false',
          'maxMemory: 256',
          'timeout: 5m',
          'retries: 1',
        ],
        b1: ['concurrency: 8'],
        b3: ['batchSize: 500'],
      },
    });
    const run = await ws.exec();
    expect(run.code).toBe(0);
    expect(run.executed).toEqual([]);
    expect(run.outcome).toEqual(allCached);
  });

  it('a change that is not a knob (the command) does rerun that stage', async () => {
    const ws = await warmDagWorkspace();
    const yaml = ws.read('pipelines.yaml').replace('cat out/a2.txt out/a2.txt', 'cat out/a2.txt out/a2.txt out/a2.txt');
    ws.write('pipelines.yaml', yaml);
    const run = await ws.exec();
    expect(run.executed).toEqual(['a3']);
  });
});
