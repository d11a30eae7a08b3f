// Task files checked out with CRLF line ends (git's core.autocrlf) stay as
// they are on a run that changes nothing, and a cluster that changes is
// written with CRLF throughout, the person's notes byte for byte: no file
// ends up with two kinds of line end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { write } from '../../runners/simtask/write.js';
import { fixturePlans, writeContext } from './helpers.js';

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('write: task files with CRLF line ends', () => {
  it('are left alone when nothing changed, and stay CRLF when something did', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-crlf-'));
    root = dir;
    const plans = await fixturePlans();
    await write(writeContext(dir, plans));
    const tasks = path.join(dir, 'tasks');
    const names = fs.readdirSync(tasks).sort();
    for (const name of names) {
      const file = path.join(tasks, name);
      fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8').replace(/\n/g, '\r\n')}\r\nMy notes.\r\n`);
    }
    const before = new Map(names.map((name) => [name, fs.readFileSync(path.join(tasks, name), 'utf8')]));

    const unchanged = writeContext(dir, plans);
    await write(unchanged);
    expect(unchanged.lines).toEqual([
      `tasks: 0 created, 0 updated, ${names.length} unchanged, 0 removed, 0 marked-stale`,
    ]);
    for (const name of names) expect(fs.readFileSync(path.join(tasks, name), 'utf8')).toBe(before.get(name));

    const [first, ...rest] = plans;
    if (!first) throw new Error('the fixture has no cluster');
    const changed = [{ ...first, plan: { ...first.plan, summary: 'A new summary.' } }, ...rest];
    await write(writeContext(dir, changed));
    const updated = names
      .map((name) => fs.readFileSync(path.join(tasks, name), 'utf8'))
      .find((text) => text.includes('A new summary.'));
    expect(updated).toBeDefined();
    expect(updated?.replace(/\r\n/g, '')).not.toContain('\n');
    expect(updated?.endsWith('\r\nMy notes.\r\n')).toBe(true);
  });
});
