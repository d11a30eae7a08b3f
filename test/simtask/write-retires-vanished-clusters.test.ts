// A task file whose cluster is gone: removed when nobody edited it, kept
// and marked `stale: true` when a person wrote in it; unmarked again if the
// cluster comes back. Other markdown files in the folder are never touched.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { write } from '../../runners/simtask/write.js';
import { fixturePlans, writeContext } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('write: clusters that disappeared', async () => {
  const plans = await fixturePlans();
  const setup = async (): Promise<{ root: string; fileOf: (i: number) => string }> => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-write-'));
    dirs.push(root);
    const records = await write(writeContext(root, plans));
    return { root, fileOf: (i) => path.join(root, records.find((r) => r.cluster === plans[i]?.id)?.file ?? '') };
  };

  it('removes an untouched task file', async () => {
    const { root, fileOf } = await setup();
    const gone = fileOf(0);
    const records = await write(writeContext(root, plans.slice(1)));
    expect(fs.existsSync(gone)).toBe(false);
    expect(records.filter((r) => r.action !== 'unchanged').map((r) => r.action)).toEqual(['removed']);
  });

  it('keeps an edited one, marked stale, and unmarks it when the cluster returns', async () => {
    const { root, fileOf } = await setup();
    const file = fileOf(0);
    const original = fs.readFileSync(file, 'utf8');
    fs.appendFileSync(file, '\nDiscussed with the team: merge after the release.\n');
    await write(writeContext(root, plans.slice(1)));
    const stale = fs.readFileSync(file, 'utf8');
    expect(stale).toContain('stale: true');
    expect(stale).toContain('no longer appears');
    expect(stale).toContain('Discussed with the team');

    const again = await write(writeContext(root, plans.slice(1)));
    expect(fs.readFileSync(file, 'utf8')).toBe(stale);
    expect(again.every((r) => r.action === 'unchanged')).toBe(true);

    await write(writeContext(root, plans));
    expect(fs.readFileSync(file, 'utf8')).toBe(`${original}\nDiscussed with the team: merge after the release.\n`);
  });

  it('leaves other markdown files alone', async () => {
    const { root } = await setup();
    fs.writeFileSync(path.join(root, 'tasks', 'README.md'), '# Tasks\n');
    await write(writeContext(root, []));
    expect(fs.readdirSync(path.join(root, 'tasks'))).toEqual(['README.md']);
  });
});
