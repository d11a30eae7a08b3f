// A rerun after many inputs changed: its stage:end event (and the run
// record) lists the first hundred changed inputs and counts the others,
// while every other kind of change (here a param, and the upstream stage
// listed after the inputs) stays listed; `runner explain`, asked before the
// run, still lists every one.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LISTED_INPUTS } from '../../src/cache/why.js';
import { lastRunRecord, stageEnd, Workspace } from './rig.js';

const FILES = 250;
const name = (i: number): string => `in/f${String(i).padStart(3, '0')}.txt`;
const yaml = (suffix: string): string => `version: 1
pipelines:
  p:
    params: { suffix: "${suffix}" }
    stages:
      gen:
        shell: "echo gen \${params.suffix} > gen.txt"
        params: [suffix]
        outputs: [gen.txt]
      cat:
        needs: [gen]
        shell: "cat in/*.txt gen.txt > out.txt"
        inputs: ["in/*.txt"]
        params: [suffix]
        outputs: [out.txt]
`;

describe('the why of a rerun after many inputs changed', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('lists the first hundred changed inputs, counts the rest, and keeps every other change', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', yaml('a'));
    for (let i = 0; i < FILES; i++) ws.write(name(i), `file ${i}\n`);
    expect((await ws.run(['exec', 'p'])).code).toBe(0);

    for (let i = 0; i < FILES; i++) ws.write(name(i), `file ${i}, edited\n`);
    ws.write('pipelines.yaml', yaml('b'));
    const explained = await ws.run(['explain', 'p', 'cat', '--json']);
    expect(explained.code, explained.stderr).toBe(0);
    const planned = JSON.parse(explained.stdout) as { changes: { kind: string }[] };
    expect(planned.changes.filter((c) => c.kind === 'input')).toHaveLength(FILES);

    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const why = stageEnd(run.events, 'cat').why;
    expect(why?.reason).toBe('changed');
    if (why?.reason !== 'changed') return;
    const inputs = why.changes.filter((c) => c.kind === 'input');
    expect(inputs.map((c) => c.kind === 'input' && c.file)).toEqual(
      Array.from({ length: LISTED_INPUTS }, (_, i) => name(i)),
    );
    expect(why.moreInputs).toBe(FILES - LISTED_INPUTS);
    expect(why.changes.map((c) => c.kind).filter((k) => k !== 'input')).toEqual(['param', 'upstream']);

    // The run record (read back through its shape check) keeps the event's why, and the report reads it.
    expect(lastRunRecord(ws).stages.find((s) => s.stage === 'cat')?.why).toEqual(why);
    const report = await ws.run(['report', '-o', 'report.html']);
    expect(report.code, report.stderr).toBe(0);
    const html = fs.readFileSync(ws.path('report.html'), 'utf8');
    expect(html).toContain(`${FILES + 2} differences`);
    expect(html).toContain(`... and ${FILES - LISTED_INPUTS} more`);
  });
});
