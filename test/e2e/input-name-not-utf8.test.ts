// A file whose name is not valid UTF-8 cannot be read or hashed by the name
// readdir gives for it (its bad bytes become U+FFFD): a stage whose
// patterns match one fails, naming it and its bytes, rather than list it
// with the hash `missing` and never see it change. One no pattern matches
// is left alone.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const PIPELINES = `version: 1
pipelines:
  shell:
    stages:
      s: { shell: "cat data/*.txt > out.txt", inputs: ["data/*.txt"], outputs: [out.txt] }
  map:
    stages:
      m: { run: m.mjs#m, foreach: { files: ["data/**/*.txt"] } }
  other:
    stages:
      s: { shell: "cat data/good.txt > good.txt", inputs: ["data/*.md", "data/good.txt"], outputs: [good.txt] }
`;

const PROBLEM =
  /^deciding whether to run: data\/f\uFFFD\.txt: a file name that is not valid UTF-8 \(its bytes: 66 ff 2e 74 78 74\); .*rename it$/;

describe('an input whose name is not UTF-8', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each(['shell', 'map'])('fails the %s stage whose pattern matches it, naming its bytes', async (pipeline) => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    ws.write('m.mjs', 'export const m = (item) => ({ path: item.path });\n');
    ws.write('data/good.txt', 'good\n');
    fs.writeFileSync(Buffer.from(ws.path('data/f\xff.txt'), 'latin1'), 'v1\n');
    for (let run = 0; run < 2; run++) {
      const result = await ws.run(['exec', pipeline, '--json']);
      expect(result.code).toBe(1);
      const end = stageEnd(result.events, pipeline === 'map' ? 'm' : 's');
      expect(end.outcome).toBe('failed');
      expect(end.reason).toMatch(PROBLEM);
    }
  });

  it('is left alone when no pattern matches it', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    ws.write('data/good.txt', 'good\n');
    fs.writeFileSync(Buffer.from(ws.path('data/f\xff.txt'), 'latin1'), 'v1\n');
    const result = await ws.run(['exec', 'other']);
    expect(result.code, result.stderr).toBe(0);
    expect(ws.read('good.txt')).toBe('good\n');
  });
});
