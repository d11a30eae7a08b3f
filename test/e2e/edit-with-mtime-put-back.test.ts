// A same-size edit whose mtime is put back (`touch -d`, `cp -p`, `tar`,
// `rsync --inplace -t` do it) is an edit: the stat cache compares the
// ctime, which the kernel sets and nothing sets back. A shell stage with
// one input, and a map over a list long enough to be keyed from its last
// stat pass (the pass memo) and its glob memo: both rerun, each time.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const FILES = 1500;
const PIPELINES = `version: 1
pipelines:
  p:
    stages:
      s: { shell: "cat data/d0/f0.txt > out.txt", inputs: ["data/d0/f0.txt"], outputs: [out.txt] }
      m: { run: m.mjs#m, foreach: { files: ["data/**/*.txt"] }, cache: { scope: item } }
`;
const PAST = new Date(Date.UTC(2020, 0, 1, 12));
const file = (i: number): string => `data/d${i % 10}/f${i}.txt`;

describe('an edit whose mtime is put back', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('reruns the stages that read the file, and their results say the new content', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    ws.write(
      'm.mjs',
      "import fs from 'node:fs';\nexport const m = (item) => ({ path: item.path, text: fs.readFileSync(item.path, 'utf8') });\n",
    );
    for (let i = 0; i < FILES; i++) ws.write(file(i), `file ${String(i).padStart(4, '0')}\n`);
    const putBack = (i: number, text: string): void => {
      fs.writeFileSync(ws.path(file(i)), text);
      fs.utimesSync(ws.path(file(i)), PAST, PAST);
      fs.utimesSync(ws.path('data/d0'), PAST, PAST);
    };
    putBack(0, 'file 0000\n');
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    // Twice a no-op: the second keyed from the pass memo the first kept.
    for (let run = 0; run < 2; run++) {
      const noop = await ws.run(['exec', 'p', '--json']);
      expect([stageEnd(noop.events, 's').outcome, stageEnd(noop.events, 'm').outcome]).toEqual(['cached', 'cached']);
    }
    for (const text of ['file 000A\n', 'file 000B\n']) {
      putBack(0, text);
      const rerun = await ws.run(['exec', 'p', '--json']);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(stageEnd(rerun.events, 's')).toMatchObject({ outcome: 'ran', reason: `input changed: ${file(0)}` });
      expect(stageEnd(rerun.events, 'm')).toMatchObject({ outcome: 'ran', reason: `input changed: ${file(0)}` });
      expect(ws.read('out.txt')).toBe(text);
    }
  });
});
