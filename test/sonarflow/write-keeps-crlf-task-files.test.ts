// Task files and INDEX.md checked out with CRLF line ends (git's
// core.autocrlf) stay as they are on a run that changes nothing, and a
// bundle that changes is written with CRLF throughout, the reader's notes
// byte for byte: no file ends up with two kinds of line end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlannedBundle } from '../../runners/sonarflow/types.js';
import { plannedBundle, runWrite } from './helpers.js';

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('write: CRLF task files', () => {
  it('are left alone when nothing changed, and stay CRLF when something did', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sonarflow-crlf-'));
    root = dir;
    const run = (bundles: PlannedBundle[]) => runWrite(dir, bundles);
    await run([plannedBundle('complexity-src-engine', ['too complex'])]);
    const names = fs.readdirSync(path.join(dir, 'tasks')).sort();
    for (const name of names) {
      const file = path.join(dir, 'tasks', name);
      fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8').replace(/\n/g, '\r\n')}\r\nMy notes.\r\n`);
    }
    const before = names.map((name) => fs.readFileSync(path.join(dir, 'tasks', name), 'utf8'));

    const unchanged = await run([plannedBundle('complexity-src-engine', ['too complex'])]);
    expect(unchanged.map((r) => r.status)).toEqual(['unchanged']);
    expect(names.map((name) => fs.readFileSync(path.join(dir, 'tasks', name), 'utf8'))).toEqual(before);

    await run([plannedBundle('complexity-src-engine', ['far too complex'])]);
    const task = fs.readFileSync(path.join(dir, 'tasks', 'complexity-src-engine.md'), 'utf8');
    expect(task).toContain('far too complex');
    expect(task.replace(/\r\n/g, '')).not.toContain('\n');
    expect(task.endsWith('\r\nMy notes.\r\n')).toBe(true);
  });
});
