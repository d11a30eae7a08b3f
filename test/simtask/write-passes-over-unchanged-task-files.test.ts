// A rerun of write passes over a task file whose cluster's plan record and
// whose stat (size, change time, inode) are those a run found it unchanged
// with, without reading or rendering it (ctx.memo); a file changed since,
// even with its size and mtime put back, is read and merged as before. A
// file changed within a second of being looked at is never passed over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StageMemo } from '../../src/api.js';
import { write } from '../../runners/simtask/write.js';
import type { PlanRecord } from '../../runners/simtask/types.js';
import { fixturePlans, writeContext } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A memo kept between runs, as ctx.memo keeps one in the cache store. */
function memoStore(): StageMemo {
  const values = new Map<string, string>();
  return {
    get: async <T>(key: string) => (values.has(key) ? (JSON.parse(values.get(key) as string) as T) : undefined),
    set: async (key, value) => {
      values.set(key, JSON.stringify(value));
    },
  };
}

/** Waits until every task file changed more than the racy second ago (polled, not slept). */
async function settled(dir: string): Promise<void> {
  const newest = (): number =>
    Math.max(...fs.readdirSync(dir).map((name) => fs.statSync(path.join(dir, name)).ctimeMs));
  while (Date.now() - newest() <= 1000) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** write's run: its records' actions, and the task files it read. */
async function run(root: string, plans: PlanRecord[], memo: StageMemo, out = 'tasks', code?: string) {
  const reads = vi.spyOn(fs, 'readFileSync');
  const records = await write({ ...writeContext(root, plans, out, code), memo });
  const read = reads.mock.calls.map(([file]) => path.basename(String(file))).filter((name) => name.endsWith('.md'));
  reads.mockRestore();
  return { actions: new Set(records.map((record) => record.action)), read, records };
}

describe('write passes over the task files it found unchanged', () => {
  it('reads only what changed since, a same-size edit with its mtime put back included', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-write-memo-'));
    dirs.push(root);
    const tasks = path.join(root, 'tasks');
    const plans = await fixturePlans();
    const memo = memoStore();
    expect((await run(root, plans, memo)).actions).toEqual(new Set(['created']));
    await settled(tasks);
    const second = await run(root, plans, memo);
    expect(second.actions).toEqual(new Set(['unchanged']));
    expect(second.read).toHaveLength(plans.length);
    const third = await run(root, plans, memo);
    expect(third.actions).toEqual(new Set(['unchanged']));
    expect(third.read).toEqual([]);

    // Inside the markers, the same size, its mtime put back: only its change time tells.
    const name = fs.readdirSync(tasks).sort()[0] as string;
    const file = path.join(tasks, name);
    const before = fs.statSync(file);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace('## ', '##_'));
    fs.utimesSync(file, before.atime, before.mtime);
    const fourth = await run(root, plans, memo);
    expect(fourth.read).toEqual([name]);
    expect(fourth.records.find((record) => record.file === `tasks/${name}`)?.action).toBe('updated');
    expect(fs.readFileSync(file, 'utf8')).toBe(text);

    // A plan record that changed: its file is read and rewritten.
    const changed = plans.map((plan, i) => (i === 1 ? { ...plan, plan: { ...plan.plan, summary: 'another' } } : plan));
    const fifth = await run(root, changed, memo);
    expect(fifth.records.filter((record) => record.action === 'updated')).toHaveLength(1);
    expect(fifth.read).toHaveLength(2);

    // Another out directory (or machine) takes nothing of the memo.
    fs.cpSync(tasks, path.join(root, 'other'), { recursive: true });
    expect((await run(root, changed, memo, 'other')).read).toHaveLength(plans.length);
  });

  it('takes a memo kept under other code (ctx.code: a new template, say) for none', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-write-memo-'));
    dirs.push(root);
    const plans = await fixturePlans();
    const memo = memoStore();
    await run(root, plans, memo, 'tasks', 'code-a');
    await settled(path.join(root, 'tasks'));
    await run(root, plans, memo, 'tasks', 'code-a');
    expect((await run(root, plans, memo, 'tasks', 'code-a')).read).toEqual([]);
    const other = await run(root, plans, memo, 'tasks', 'code-b');
    expect(other.read).toHaveLength(plans.length);
    expect(other.actions).toEqual(new Set(['unchanged']));
    // Kept under that code now: its next run passes over every file again.
    expect((await run(root, plans, memo, 'tasks', 'code-b')).read).toEqual([]);
  });

  it('takes a memo of another shape for none', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-write-memo-'));
    dirs.push(root);
    const plans = await fixturePlans();
    const memo = memoStore();
    await run(root, plans, memo);
    // Kept where this run keeps it (this machine, directory and code), its files replaced.
    const where = (await memo.get<{ where: string }>('unchanged-task-files'))?.where;
    for (const files of [null, 'text', { [fs.readdirSync(path.join(root, 'tasks'))[0] as string]: 'not a row' }]) {
      await memo.set('unchanged-task-files', { where, files });
      const again = await run(root, plans, memo);
      expect(again.actions).toEqual(new Set(['unchanged']));
      expect(again.read).toHaveLength(plans.length);
    }
  });
});
