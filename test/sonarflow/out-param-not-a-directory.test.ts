// params.out that names a file (or a path below one) fails write with a
// message naming the param, the path and what to point it at, instead of
// mkdir's raw EEXIST or ENOTDIR; the file is left as it was.
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

describe('write: params.out is not a directory', () => {
  it('fails naming params.out when it is a file, and leaves the file alone', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sonarflow-out-'));
    fs.writeFileSync(path.join(root, 'notes.md'), 'my notes\n');

    await expect(runWrite(root, [plannedBundle('complexity--src-engine-11111111')], 'notes.md')).rejects.toThrow(
      'params.out: notes.md is not a directory; point it at the directory for the task files, or at one that does not exist yet (--param out=tasks/sonarflow)',
    );
    expect(fs.readFileSync(path.join(root, 'notes.md'), 'utf8')).toBe('my notes\n');
  });

  it('names the file in the way when the path lies below one', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sonarflow-out-'));
    fs.writeFileSync(path.join(root, 'notes.md'), 'my notes\n');

    await expect(runWrite(root, [plannedBundle('complexity--src-engine-11111111')], 'notes.md/tasks')).rejects.toThrow(
      'params.out: notes.md/tasks cannot be a directory, since notes.md is a file; point it at the directory for the task files, or at one that does not exist yet (--param out=tasks/sonarflow)',
    );
    expect(fs.readFileSync(path.join(root, 'notes.md'), 'utf8')).toBe('my notes\n');
  });

  it('still makes a directory that does not exist yet', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sonarflow-out-'));
    const records = await runWrite(root, [plannedBundle('complexity--src-engine-11111111')], 'new/tasks');
    expect(records.map((r) => r.status)).toEqual(['created']);
    expect(fs.readdirSync(path.join(root, 'new', 'tasks')).sort()).toEqual([
      'INDEX.md',
      'complexity--src-engine-11111111.md',
    ]);
  });
});
