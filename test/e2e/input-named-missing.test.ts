// A file named outright (no glob) must be there, whether it is one of a
// stage's inputs or a file its map maps (`foreach: { files }`): the stage
// fails, naming it, rather than run over nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const PIPELINES = `version: 1
pipelines:
  inputs:
    stages:
      s: { shell: "cat data/a.txt > out.txt", inputs: ["data/a.txt"], outputs: [out.txt] }
  foreach:
    stages:
      m: { run: m.mjs#m, foreach: { files: ["data/a.txt"] } }
`;

describe('a file named outright that is not there', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each([
    ['inputs', 's'],
    ['foreach', 'm'],
  ])('fails the stage that names it in its %s, and runs it once it is there', async (pipeline, stage) => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    ws.write('m.mjs', 'export const m = (item) => ({ path: item.path });\n');
    const missing = await ws.run(['exec', pipeline, '--json']);
    expect(missing.code).toBe(1);
    expect(stageEnd(missing.events, stage).reason).toBe('input does not exist: data/a.txt');
    ws.write('data/a.txt', 'a\n');
    const there = await ws.run(['exec', pipeline, '--json']);
    expect(there.code, there.stderr).toBe(0);
    expect(stageEnd(there.events, stage).outcome).toBe('ran');
  });
});
