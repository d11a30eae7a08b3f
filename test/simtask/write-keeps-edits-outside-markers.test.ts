// What a person writes in a task file outside the SIMTASK markers (notes
// before or after, front matter keys of their own) survives every run; the
// text between the markers and simtask's own front matter keys are rewritten.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BEGIN, END, mergeTask } from '../../runners/simtask/task-file.js';
import { write } from '../../runners/simtask/write.js';
import { fixturePlans, writeContext } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-write-'));
  dirs.push(dir);
  return dir;
};

describe('write: edits outside the markers', () => {
  it('survive a rerun, while the generated parts are refreshed', async () => {
    const root = tempDir();
    const plans = await fixturePlans();
    await write(writeContext(root, plans));
    const file = path.join(root, 'tasks', fs.readdirSync(path.join(root, 'tasks')).sort()[0] as string);
    const original = fs.readFileSync(file, 'utf8');
    const edited = original
      .replace('\nlabels:', '\nassignee: ada\nlabels:')
      .replace(`${BEGIN}`, `My notes, before the block.\n\n${BEGIN}`)
      .replace(/title: .*/, 'title: "a title someone changed"')
      .replace('## ', '## tampered ')
      .concat('\nMore notes after the block.\n');
    fs.writeFileSync(file, edited);

    await write(writeContext(root, plans));
    const after = fs.readFileSync(file, 'utf8');
    expect(after).toContain('assignee: ada');
    expect(after).toContain(`My notes, before the block.\n\n${BEGIN}`);
    expect(after.endsWith(`${END}\n\nMore notes after the block.\n`)).toBe(true);
    expect(after).not.toContain('tampered');
    expect(after).not.toContain('a title someone changed');
    expect(
      after
        .replace('assignee: ada\n', '')
        .replace('My notes, before the block.\n\n', '')
        .replace('\nMore notes after the block.\n', ''),
    ).toBe(original);
  });

  it('are kept when a person deleted the markers: a fresh block goes after their text', () => {
    const merged = mergeTask('---\ncluster: c1\nowner: me\n---\nJust my text.\n', {
      frontMatter: ['cluster: c1'],
      body: '\nnew\n',
    });
    expect(merged).toBe(`---\ncluster: c1\nowner: me\n---\n\nJust my text.\n\n${BEGIN}\nnew\n${END}\n`);
    expect(mergeTask(merged, { frontMatter: ['cluster: c1'], body: '\nnew\n' })).toBe(merged);
  });
});
