import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { analyseAndFormat, lines, tempConfig } from './helpers.js';

const TEXT = lines(
  'version: 1', //              1
  'pipelines:', //              2
  '  p:', //                    3
  '    stages:', //             4
  '      c:', //                5
  '        needs: [a]', //      6
  '        shell: "true"', //   7
  '      a:', //                8
  '        needs: [b]', //      9
  '        shell: "true"', //   10
  '      b:', //                11
  '        needs: [c]', //      12
  '        shell: "true"', //   13
  '      free:', //             14
  '        shell: "true"', //   15
);

const EXPECTED = [
  'pipelines.yaml:9:9 pipelines.p.stages.a.needs form a cycle: a -> b -> c -> a',
  '  9 |         needs: [b]',
  '    |         ^^^^^^^^^^',
  '1 problem in pipelines.yaml',
].join('\n');

describe('a cycle along needs', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it("is printed as a closed path from its first stage by name, at that stage's needs", async () => {
    const config = tempConfig(TEXT);
    cleanup = config.remove;
    expect(await analyseAndFormat(config.file)).toBe(EXPECTED);
  });

  it('reports one cycle per pipeline it occurs in', async () => {
    const text = lines(
      'version: 1', //                         1
      'pipelines:', //                         2
      '  p:', //                               3
      '    stages:', //                        4
      '      x: { needs: [y], shell: "1" }', // 5
      '      y: { needs: [x], shell: "2" }', // 6
      '  q:', //                               7
      '    stages:', //                        8
      '      m: { needs: [n], shell: "1" }', // 9
      '      n: { needs: [m], shell: "2" }', // 10
    );
    const config = tempConfig(text);
    cleanup = config.remove;
    expect(await analyseAndFormat(config.file)).toBe(
      [
        'pipelines.yaml:5:12 pipelines.p.stages.x.needs form a cycle: x -> y -> x',
        '  5 |       x: { needs: [y], shell: "1" }',
        '    |            ^^^^^^^^^^',
        'pipelines.yaml:9:12 pipelines.q.stages.m.needs form a cycle: m -> n -> m',
        '  9 |       m: { needs: [n], shell: "1" }',
        '    |            ^^^^^^^^^^',
        '2 problems in pipelines.yaml',
      ].join('\n'),
    );
  });

  // Found by the seeded mutator: it was said at the map stage's `needs`, which it does not have, so with no line.
  it("through a map over a stage, is said at the map stage's foreach", async () => {
    const text = lines(
      'version: 1', //                                       1
      'pipelines:', //                                       2
      '  p:', //                                             3
      '    stages:', //                                      4
      '      scan: { run: s.mjs#scan, needs: [embed] }', //   5
      '      embed: { run: s.mjs#embed, foreach: scan }', //  6
    );
    const config = tempConfig(text);
    cleanup = config.remove;
    expect(await analyseAndFormat(config.file)).toBe(
      [
        'pipelines.yaml:6:34 pipelines.p.stages.embed.foreach maps over a stage that needs it: embed -> scan -> embed',
        '  6 |       embed: { run: s.mjs#embed, foreach: scan }',
        '    |                                  ^^^^^^^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('is no problem once an edge is removed', async () => {
    const config = tempConfig(TEXT.replace('needs: [a]', 'needs: []'));
    cleanup = config.remove;
    expect(await analyseAndFormat(config.file)).toBe('');
  });

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('exits 2 from exec before running anything', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', TEXT.replace('shell: "true"', 'shell: "touch ran"'));
      const result = await ws.run(['exec', 'p', '--only', 'free']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`${EXPECTED}\n`);
      expect(ws.exists('ran')).toBe(false);
    });
  });
});
