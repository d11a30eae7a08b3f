// A source saved in Latin-1 (or any encoding that is not UTF-8) would be
// decoded with U+FFFD in place of each such byte, and its functions would
// reach the task files garbled. scan leaves it out and says which file,
// where its first bad byte is, and what to do; UTF-8 sources are scanned.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileItem, ItemContext } from '../../src/api.js';
import { scanFile } from '../../runners/simtask/scan.js';

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function context(dir: string, logs: string[]): Pick<ItemContext, 'workspace' | 'log' | 'read'> {
  return {
    workspace: { root: dir, stateDir: path.join(dir, '.runner'), tmp: dir, resolve: (p) => path.resolve(dir, p) },
    log: (line) => logs.push(line),
    read: ((item: FileItem, encoding?: BufferEncoding) =>
      fs.readFileSync(path.resolve(dir, item.path), encoding)) as ItemContext['read'],
  };
}

const SOURCE =
  "export function greet(name: string, prefix = 'Ren\u00e9e'): string {\n  return `${prefix} ${name}`;\n}\n";

describe('scan: a source that is not UTF-8', () => {
  it('is left out with a line naming it, its first bad byte and what to do', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-latin1-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src', 'latin1.ts'), Buffer.from(SOURCE, 'latin1'));
    const logs: string[] = [];

    const records = await scanFile({ path: 'src/latin1.ts', hash: '' }, context(root, logs));
    expect(JSON.stringify(records)).not.toContain('\ufffd');
    expect(records).toEqual([]);
    const offset = SOURCE.indexOf('\u00e9');
    expect(logs).toEqual([
      `skipped src/latin1.ts: it is not UTF-8 text (byte 0xE9 at offset ${offset}); save it as UTF-8 to have its functions compared`,
    ]);
  });

  it('scans the same source saved as UTF-8', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-utf8-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src', 'utf8.ts'), SOURCE);
    const logs: string[] = [];

    const records = await scanFile({ path: 'src/utf8.ts', hash: '' }, context(root, logs));
    expect(records.map((r) => r.signature)).toEqual(["greet(name: string, prefix = 'Ren\u00e9e'): string"]);
    expect(logs).toEqual([]);
  });
});
