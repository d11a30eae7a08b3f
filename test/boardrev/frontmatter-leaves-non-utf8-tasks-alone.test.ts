// A task file saved in Latin-1 (or any bytes that are not UTF-8) is never
// rewritten: read as UTF-8 its bytes would come back as U+FFFD, so a repair
// would corrupt the title and the body it promises to keep. The file stays
// byte for byte and its record carries the problem, naming the first bad byte.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { frontmatter } from '../../runners/boardrev/frontmatter.js';
import { fakeContext, params } from './helpers.js';

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('frontmatter on a task file that is not UTF-8', () => {
  it('leaves its bytes alone and reports it', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'boardrev-latin1-'));
    fs.mkdirSync(path.join(root, 'board'));
    const file = path.join(root, 'board', 'cafe.md');
    const bytes = Buffer.from('---\ntitle: Caf\xe9\n---\n# T\xe2che\n\n- [ ] na\xefve\n', 'latin1');
    fs.writeFileSync(file, bytes);

    const ctx = fakeContext({ root, params: params({ board: 'board' }) });
    const record = frontmatter({ path: 'board/cafe.md', hash: '' }, ctx);

    expect(fs.readFileSync(file)).toEqual(bytes);
    const problem = 'is not UTF-8 text (byte 0xE9 at offset 14); left as it is: save it as UTF-8';
    expect(record.problems).toContain(problem);
    expect(ctx.logs).toContain(`board/cafe.md: ${problem}`);
  });
});
