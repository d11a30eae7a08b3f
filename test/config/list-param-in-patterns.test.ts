import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { diagnose, lines } from './helpers.js';

describe('a list param in patterns', () => {
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  it('stands for one pattern per entry when it is a whole entry of inputs', async () => {
    ws = new Workspace();
    ws.write('a.md', 'a');
    ws.write('b.md', 'b');
    ws.write('c.md', 'c');
    ws.write(
      'pipelines.yaml',
      lines(
        'version: 1',
        'pipelines:',
        '  p:',
        '    params: { docs: [a.md, b.md] }',
        '    stages:',
        '      s:',
        '        shell: "cat a.md b.md > out.txt"',
        '        inputs: ["${params.docs}"]',
        '        outputs: [out.txt]',
      ),
    );
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    ws.write('b.md', 'changed');
    const status = await ws.run(['status', 'p', '--json']);
    expect(JSON.parse(status.stdout).stages[0].reason).toBe('input changed: b.md');
  });

  it('is an error inside text, where it would become a bracket glob', () => {
    expect(
      diagnose(
        lines(
          'version: 1',
          'pipelines:',
          '  p:',
          '    params: { docs: [a.md, b.md] }',
          '    stages:',
          '      s:',
          '        shell: "cat ${params.docs}"',
        ),
      ),
    ).toContain('pipelines.p.stages.s.shell uses ${params.docs} inside text, but "docs" is a list or mapping');
  });
});
