// A task file someone saved in Latin-1 (notes outside the markers in an
// editor that does not write UTF-8) is not merged and written back, which
// would turn each such byte into U+FFFD: it stays byte for byte, every other
// task file is written, and the stage fails naming it and what to do.
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

describe('write: a task file that is not UTF-8', () => {
  it('is left as it is while the others are written, and the stage says which and why', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-latin1-'));
    const plans = await fixturePlans();
    await write(writeContext(root, plans));
    const names = fs.readdirSync(path.join(root, 'tasks')).sort();
    const [first, second] = names as [string, string];
    const file = path.join(root, 'tasks', first);
    const notes = Buffer.from('\nNotes de Ren\xe9e.\n', 'latin1');
    const edited = Buffer.concat([fs.readFileSync(file), notes]);
    fs.writeFileSync(file, edited);
    fs.rmSync(path.join(root, 'tasks', second));

    const offset = edited.length - notes.length + 13;
    await expect(write(writeContext(root, plans))).rejects.toThrow(
      `tasks/${first} is not UTF-8 text (byte 0xE9 at offset ${offset}); left as it is, since the notes outside the markers would lose those bytes: save it as UTF-8 and run again`,
    );
    expect(fs.readFileSync(file)).toEqual(edited);
    expect(fs.existsSync(path.join(root, 'tasks', second))).toBe(true);
  });
});
