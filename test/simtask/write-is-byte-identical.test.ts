// write is deterministic: the same plans give the same bytes (no dates, no
// random ids), a rerun leaves every file untouched (not even rewritten with
// the same text), and a changed plan rewrites only its own file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { write } from '../../runners/simtask/write.js';
import { fixturePlans, snapshot, writeContext } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-write-'));
  dirs.push(dir);
  return dir;
};

describe('write: determinism', () => {
  it('writes the same bytes in two workspaces, and nothing on a rerun', async () => {
    const plans = await fixturePlans();
    const [a, b] = [tempDir(), tempDir()];
    const first = await write(writeContext(a, plans));
    await write(writeContext(b, plans));
    expect(first.every((r) => r.action === 'created')).toBe(true);
    expect(snapshot(path.join(a, 'tasks'))).toEqual(snapshot(path.join(b, 'tasks')));

    const before = new Map(
      [...snapshot(path.join(a, 'tasks')).keys()].map((f) => [f, fs.statSync(path.join(a, 'tasks', f)).mtimeMs]),
    );
    const ctx = writeContext(a, plans);
    const second = await write(ctx);
    expect(second.map((r) => r.action)).toEqual(first.map(() => 'unchanged'));
    for (const [file, mtime] of before) expect(fs.statSync(path.join(a, 'tasks', file)).mtimeMs).toBe(mtime);
    expect(ctx.lines).toEqual([`tasks: 0 created, 0 updated, ${plans.length} unchanged, 0 removed, 0 marked-stale`]);
  });

  it('rewrites only the file of a plan that changed', async () => {
    const root = tempDir();
    const plans = await fixturePlans();
    await write(writeContext(root, plans));
    const changed = plans.map((p, i) => (i === 2 ? { ...p, similarity: { ...p.similarity, avg: 0.5 } } : p));
    const records = await write(writeContext(root, changed));
    expect(records.filter((r) => r.action !== 'unchanged')).toEqual([
      expect.objectContaining({ cluster: plans[2]?.id, action: 'updated' }),
    ]);
  });
});
