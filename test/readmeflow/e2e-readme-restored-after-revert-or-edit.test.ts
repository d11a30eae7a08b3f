// write's item cache never leaves a README wrong: reverting a package's
// edit brings its README back (the entry from before the edit must not make
// the README look done), text a person put between the markers is replaced
// while their text outside stays, and a deleted README is written again.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../e2e/rig.js';
import { BEGIN } from '../../runners/readmeflow/markers.js';
import { readmeflowWorkspace } from './helpers.js';

let ws: Workspace | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
});

const ALPHA = 'examples/workspace/packages/alpha/README.md';
const BETA = 'examples/workspace/packages/beta/README.md';
const SOURCE = 'examples/workspace/packages/alpha/src/index.ts';

async function exec(workspace: Workspace): Promise<void> {
  const result = await workspace.run(['exec', 'readmeflow']);
  expect(result.code, result.stderr).toBe(0);
}

// Several runs of the pipeline: with the cores shared, the test took over 30 s.
describe('write keeps READMEs right', { timeout: 120_000 }, () => {
  it('restores a README after a revert, a hand edit inside the markers, and a deletion', async () => {
    ws = readmeflowWorkspace('workspace');
    await exec(ws);
    await exec(ws);
    const alpha = ws.read(ALPHA);
    const beta = ws.read(BETA);
    const source = ws.read(SOURCE);

    // Edit, run, revert, run: twice, so the second revert meets cache entries from the first.
    for (let round = 0; round < 2; round++) {
      ws.write(SOURCE, `${source}\nexport const EXTRA = 1;\n`);
      await exec(ws);
      expect(ws.read(ALPHA)).toContain('const EXTRA: 1');
      ws.write(SOURCE, source);
      await exec(ws);
      expect(ws.read(ALPHA)).toBe(alpha);
    }

    const edited = alpha
      .replace('> Greets people.', '> Edited by hand.')
      .replace('Footer notes, also kept.', 'Footer notes, edited and kept.');
    ws.write(ALPHA, edited);
    await exec(ws);
    expect(ws.read(ALPHA)).toBe(alpha.replace('Footer notes, also kept.', 'Footer notes, edited and kept.'));

    fs.rmSync(ws.path(BETA));
    await exec(ws);
    expect(ws.read(BETA)).toBe(beta);
    expect(beta.startsWith(BEGIN)).toBe(true);
  });
});
