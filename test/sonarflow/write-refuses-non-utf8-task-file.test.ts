// A sonarflow task file whose notes someone saved in Latin-1 is not merged
// and written back (each such byte would become U+FFFD): the stage fails
// naming the file, the first bad byte and what to do, and the file stays
// byte for byte.
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

function planned(id: string): PlannedBundle {
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
    issues: [{ key: 'k0', file: 'src/engine/a.ts', line: 1, message: 'too complex', severity: 'MINOR', effort: null }],
  };
  return { ...bundle, plan: templatePlan(bundle), planner: 'template' };
}

describe('write: a task file that is not UTF-8', () => {
  it('fails naming it and leaves it as it is', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sonarflow-latin1-'));
    const ctx = fakeContext({ params: { out: 'tasks' }, root });
    const run = () =>
      write({
        ...ctx,
        upstream: () =>
          (async function* () {
            yield planned('complexity-src-engine');
          })(),
      });
    await run();
    const file = path.join(root, 'tasks', 'complexity-src-engine.md');
    const notes = Buffer.from('\nNotes de Ren\xe9e.\n', 'latin1');
    const edited = Buffer.concat([fs.readFileSync(file), notes]);
    fs.writeFileSync(file, edited);

    await expect(run()).rejects.toThrow(
      `tasks/complexity-src-engine.md is not UTF-8 text (byte 0xE9 at offset ${edited.length - notes.length + 13}); left as it is, since the text outside the markers would lose those bytes: save it as UTF-8 and run again`,
    );
    expect(fs.readFileSync(file)).toEqual(edited);
  });
});
