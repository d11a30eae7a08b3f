// A declared output the stage did not write as a file fails the stage,
// saying which: missing, or a directory (outputs name files; a glob names a
// directory's files, and those are stored and restored).
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const pipeline = (output: string, shell: string): string => `version: 1
pipelines:
  p:
    stages:
      s:
        shell: "${shell}"
        inputs: [in.txt]
        outputs: ["${output}"]
`;

describe('a declared output not written as a file', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('missing: fails the stage, naming it', async () => {
    ws = new Workspace();
    ws.write('in.txt', 'x\n');
    ws.write('pipelines.yaml', pipeline('out/a.txt', 'mkdir -p out && echo a > out/b.txt'));
    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.code).toBe(1);
    expect(stageEnd(run.events, 's')).toMatchObject({
      outcome: 'failed',
      reason: 'declared output was not written: out/a.txt',
    });
  });

  it('a directory: fails the stage, saying that a glob names its files; with the glob, its files are restored', async () => {
    ws = new Workspace();
    ws.write('in.txt', 'x\n');
    const shell = 'mkdir -p out/d && echo 1 > out/d/a.txt && echo 2 > out/d/b.txt';
    ws.write('pipelines.yaml', pipeline('out/d', shell));
    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.code).toBe(1);
    expect(stageEnd(run.events, 's')).toMatchObject({
      outcome: 'failed',
      reason: 'declared output is a directory, not a file: out/d (outputs name files: out/d/** names every file in it)',
    });

    ws.write('pipelines.yaml', pipeline('out/d/**', shell));
    const ran = await ws.run(['exec', 'p', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    fs.rmSync(ws.path('out'), { recursive: true });
    const restored = await ws.run(['exec', 'p', '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(stageEnd(restored.events, 's').outcome).toBe('restored');
    expect([ws.read('out/d/a.txt'), ws.read('out/d/b.txt')]).toEqual(['1\n', '2\n']);
  });
});
