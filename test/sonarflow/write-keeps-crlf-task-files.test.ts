// Task files and INDEX.md checked out with CRLF line ends (git's
// core.autocrlf) stay as they are on a run that changes nothing, and a
// bundle that changes is written with CRLF throughout, the reader's notes
// byte for byte: no file ends up with two kinds of line end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { templatePlan } from '../../runners/sonarflow/plan.js';
import type { BundleRecord, PlannedBundle } from '../../runners/sonarflow/types.js';
import { write } from '../../runners/sonarflow/write.js';
import { fakeContext } from './helpers.js';

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function planned(id: string, message: string): PlannedBundle {
  const bundle: BundleRecord = {
    id,
    rule: 'complexity',
    prefix: 'src/engine',
    priority: 'P3',
    topSeverity: 'MINOR',
    types: ['CODE_SMELL'],
    tags: [],
    count: 1,
    effortMinutes: 0,
    issues: [{ key: 'k0', file: 'src/engine/a.ts', line: 1, message, severity: 'MINOR', effort: null }],
  };
  return { ...bundle, plan: templatePlan(bundle), planner: 'template' };
}

describe('write: CRLF task files', () => {
  it('are left alone when nothing changed, and stay CRLF when something did', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sonarflow-crlf-'));
    root = dir;
    const ctx = fakeContext({ params: { out: 'tasks' }, root: dir });
    const run = (bundles: PlannedBundle[]) =>
      write({
        ...ctx,
        upstream: () =>
          (async function* () {
            yield* bundles;
          })(),
      });
    await run([planned('complexity-src-engine', 'too complex')]);
    const names = fs.readdirSync(path.join(dir, 'tasks')).sort();
    for (const name of names) {
      const file = path.join(dir, 'tasks', name);
      fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8').replace(/\n/g, '\r\n')}\r\nMy notes.\r\n`);
    }
    const before = names.map((name) => fs.readFileSync(path.join(dir, 'tasks', name), 'utf8'));

    const unchanged = await run([planned('complexity-src-engine', 'too complex')]);
    expect(unchanged.map((r) => r.status)).toEqual(['unchanged']);
    expect(names.map((name) => fs.readFileSync(path.join(dir, 'tasks', name), 'utf8'))).toEqual(before);

    await run([planned('complexity-src-engine', 'far too complex')]);
    const task = fs.readFileSync(path.join(dir, 'tasks', 'complexity-src-engine.md'), 'utf8');
    expect(task).toContain('far too complex');
    expect(task.replace(/\r\n/g, '')).not.toContain('\n');
    expect(task.endsWith('\r\nMy notes.\r\n')).toBe(true);
  });
});
