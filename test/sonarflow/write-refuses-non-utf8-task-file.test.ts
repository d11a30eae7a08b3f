// A sonarflow task file whose notes someone saved in Latin-1 is not merged
// and written back (each such byte would become U+FFFD): the stage fails
// naming the file, the first bad byte and what to do, and the file stays
// byte for byte.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { plannedBundle, runWrite } from './helpers.js';

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('write: a task file that is not UTF-8', () => {
  it('fails naming it and leaves it as it is', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sonarflow-latin1-'));
    const workspace = root;
    const run = () => runWrite(workspace, [plannedBundle('complexity-src-engine')]);
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
