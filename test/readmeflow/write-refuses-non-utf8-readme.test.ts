// A README that is not UTF-8 (a Latin-1 file from an older project) is not
// rewritten: its text outside the markers would lose every such byte. The
// item fails naming the README, the first bad byte and what to do, and the
// file stays byte for byte.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeReadme } from '../../runners/readmeflow/write.js';
import type { OutlineRecord } from '../../runners/readmeflow/types.js';
import { fakeContext, tempDir } from './helpers.js';

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('write on a README that is not UTF-8', () => {
  it('fails naming the file and leaves it as it is', () => {
    const dir = tempDir();
    root = dir;
    fs.mkdirSync(path.join(dir, 'pkg'));
    const file = path.join(dir, 'pkg', 'README.md');
    const bytes = Buffer.from('Notes by Andr\xe9.\n', 'latin1');
    fs.writeFileSync(file, bytes);
    const item: OutlineRecord = {
      dir: 'pkg',
      name: 'pkg',
      readme: { path: 'pkg/README.md', stamp: 'x' },
      markdown: '# pkg',
      generator: 'template',
    };

    expect(() => writeReadme(item, fakeContext({ root: dir }))).toThrow(
      'pkg/README.md is not UTF-8 text (byte 0xE9 at offset 13): readmeflow keeps the text outside its markers byte for byte and cannot keep these bytes; save the README as UTF-8',
    );
    expect(fs.readFileSync(file)).toEqual(bytes);
  });
});
