// frontmatter repairs a task file that is a symbolic link where the link
// points: the link stays a link, the file it names gets the repair, and its
// mode is kept.
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

describe('frontmatter on a symlinked task file', () => {
  it('repairs the file the link names and keeps the link', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'boardrev-symlink-'));
    fs.mkdirSync(path.join(root, 'board'));
    fs.mkdirSync(path.join(root, 'shared'));
    const target = path.join(root, 'shared', 'task.md');
    fs.writeFileSync(target, '# Shared task\n\n- [ ] one\n', { mode: 0o600 });
    fs.chmodSync(target, 0o600);
    const link = path.join(root, 'board', 'task.md');
    fs.symlinkSync('../shared/task.md', link);

    const ctx = fakeContext({ root, params: params({ board: 'board' }) });
    const record = frontmatter({ path: 'board/task.md', hash: '' }, ctx);

    expect(record).toMatchObject({ id: 'task', title: 'Shared task', status: 'todo', priority: 'P3' });
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toBe(
      '---\nid: task\ntitle: Shared task\nstatus: todo\npriority: P3\n---\n# Shared task\n\n- [ ] one\n',
    );
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
  });
});
