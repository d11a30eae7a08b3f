// `runner cache stats` through the CLI: entries by kind, objects, last run.
import { describe, expect, it } from 'vitest';
import { dagWorkspace, warmDagWorkspace } from '../cache/dag-workspace.js';

interface StatsJson {
  storeUrl: string;
  entries: { stage: number; manifest: number; items: number; memo: number; blob: number; other: number };
  entryBytes: number;
  objects: { count: number; bytes: number };
  lastRun: { runId: string; hits: number; misses: number; hitRate: number | null } | null;
}

describe('runner cache stats', () => {
  it('counts a stage entry and a manifest entry per stage, and the objects of outputs', async () => {
    const ws = await warmDagWorkspace();
    const result = await ws.run(['cache', 'stats', '--json']);
    expect(result.code).toBe(0);
    const stats = JSON.parse(result.stdout) as StatsJson;
    expect(stats.entries).toEqual({ stage: 6, manifest: 6, items: 0, memo: 0, blob: 0, other: 0 });
    expect(stats.entryBytes).toBeGreaterThan(0);
    // six outputs, all distinct
    expect(stats.objects.count).toBe(6);
    expect(stats.objects.count).toBe(ws.objectFiles().length);
    expect(stats.storeUrl).toBe(`sqlite://${ws.path('.runner', 'cache.sqlite')}`);
    expect(stats.lastRun).toMatchObject({ hits: 0, misses: 6, hitRate: 0 });
  });

  it('reports the hit rate of the last run', async () => {
    const ws = await warmDagWorkspace();
    await ws.exec();
    const stats = JSON.parse((await ws.run(['cache', 'stats', '--json'])).stdout) as StatsJson;
    expect(stats.lastRun).toMatchObject({ hits: 6, misses: 0, hitRate: 1 });
  });

  it('grows with new entries when an edit adds results', async () => {
    const ws = await warmDagWorkspace();
    ws.write('a/f000.txt', 'edited\n');
    await ws.exec();
    const stats = JSON.parse((await ws.run(['cache', 'stats', '--json'])).stdout) as StatsJson;
    expect(stats.entries.stage).toBe(9);
  });

  it('prints a readable summary', async () => {
    const ws = await warmDagWorkspace();
    const result = await ws.run(['cache', 'stats']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^store: +sqlite:\/\/.*cache\.sqlite$/m);
    expect(result.stdout).toMatch(/^entries: +12 \(6 stage, 6 manifest, 0 item manifest, 0 memo, 0 blob\)/m);
    expect(result.stdout).toMatch(/^objects: +6, /m);
    expect(result.stdout).toMatch(/^last run: .*0 hits, 6 misses/m);
  });

  it('on a workspace that never ran: zero entries, no last run', async () => {
    const ws = dagWorkspace();
    const stats = JSON.parse((await ws.run(['cache', 'stats', '--json'])).stdout) as StatsJson;
    expect(stats).toMatchObject({
      entries: { stage: 0, manifest: 0, items: 0, memo: 0, blob: 0, other: 0 },
      objects: { count: 0, bytes: 0 },
      lastRun: null,
    });
  });
});
