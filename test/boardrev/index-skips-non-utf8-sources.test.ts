// A source saved in Latin-1 (or any encoding that is not UTF-8) would be
// decoded with U+FFFD in place of each such byte, and its chunks would reach
// match and the review garbled. index leaves it out and says which file,
// where its first bad byte is, and what to do; UTF-8 sources are indexed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { index } from '../../runners/boardrev/index.js';
import { fakeContext } from './helpers.js';

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

const SOURCE =
  '# Caf\u00e9 menu\n\nexport function greet(name: string): string {\n  return `Ren\u00e9e, ${name}`;\n}\n';

describe('index: a source that is not UTF-8', () => {
  it('is left out with a line naming it, its first bad byte and what to do', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'boardrev-latin1-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src', 'latin1.ts'), Buffer.from(SOURCE, 'latin1'));
    const ctx = fakeContext({ root });

    const chunks = await index({ path: 'src/latin1.ts', hash: '' }, ctx);
    expect(JSON.stringify(chunks)).not.toContain('\ufffd');
    expect(chunks).toEqual([]);
    const offset = SOURCE.indexOf('\u00e9');
    expect(ctx.logs).toEqual([
      `skipped src/latin1.ts: it is not UTF-8 text (byte 0xE9 at offset ${offset}); save it as UTF-8 to have it count as evidence for the tasks`,
    ]);
  });

  it('indexes the same source saved as UTF-8', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'boardrev-utf8-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src', 'utf8.ts'), SOURCE);
    const ctx = fakeContext({ root });

    const chunks = await index({ path: 'src/utf8.ts', hash: '' }, ctx);
    expect(chunks.map((c) => c.text)).toEqual([SOURCE.trimEnd()]);
    expect(ctx.logs).toEqual([]);
  });
});
