// DAG errors: needs naming an unknown stage or the stage itself, and foreach
// naming no upstream stage. Each row is pipelines.yaml text in and exactly what
// the CLI prints out ('' when the file is valid). Cycles are in needs-cycle.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { byName, type DiagnosticCase, diagnose, expectedOutput, lines } from './helpers.js';

const UNKNOWN_NEEDS = lines(
  'version: 1', //                      1
  'pipelines:', //                      2
  '  p:', //                            3
  '    stages:', //                     4
  '      compile:', //                  5
  '        shell: "true"', //           6
  '      bundle:', //                   7
  '        needs: [compile, complie]', // 8
  '        shell: "true"', //           9
);

const SELF_NEED = lines(
  'version: 1', //              1
  'pipelines:', //              2
  '  p:', //                    3
  '    stages:', //             4
  '      a:', //                5
  '        shell: "true"', //   6
  '      lint:', //             7
  '        needs: [a, lint]', // 8
  '        shell: "true"', //   9
);

const SELF_NEED_EXPECTED = [
  'pipelines.yaml:8:20 pipelines.p.stages.lint.needs[1] names the stage itself; a stage cannot need itself',
  '  8 |         needs: [a, lint]',
  '    |                    ^^^^',
  '1 problem in pipelines.yaml',
];

const cases: DiagnosticCase[] = [
  // needs naming an unknown stage.
  {
    name: 'needs naming an unknown stage: points at the bad entry and suggests the closest stage',
    text: UNKNOWN_NEEDS,
    expected: [
      'pipelines.yaml:8:26 pipelines.p.stages.bundle.needs[1] names no stage "complie" of pipeline p (did you mean "compile"?)',
      '  8 |         needs: [compile, complie]',
      '    |                          ^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'needs naming an unknown stage: does not find stages of another pipeline',
    text: lines(
      'version: 1', //                 1
      'pipelines:', //                 2
      '  p:', //                       3
      '    stages:', //                4
      '      a: { shell: "true" }', // 5
      '  q:', //                       6
      '    stages:', //                7
      '      b:', //                   8
      '        needs:', //             9
      '          - a', //              10
      '        shell: "true"', //      11
    ),
    expected: [
      'pipelines.yaml:10:13 pipelines.q.stages.b.needs[0] names no stage "a" of pipeline q',
      '  10 |           - a',
      '     |             ^',
      '1 problem in pipelines.yaml',
    ],
  },

  // A stage that needs itself.
  {
    name: 'a stage that needs itself: is reported once, at the entry naming it',
    text: SELF_NEED,
    expected: SELF_NEED_EXPECTED,
  },

  // foreach.
  {
    name: 'a foreach that names no upstream stage: points at foreach and suggests the closest stage',
    text: lines(
      'version: 1', //                  1
      'pipelines:', //                  2
      '  p:', //                        3
      '    stages:', //                 4
      '      scan:', //                 5
      '        run: scan.ts#scan', //   6
      '      embed:', //                7
      '        run: embed.ts#embed', // 8
      '        foreach: scna', //       9
    ),
    expected: [
      'pipelines.yaml:9:9 pipelines.p.stages.embed.foreach names no upstream stage "scna" of pipeline p (did you mean "scan"?)',
      '  9 |         foreach: scna',
      '    |         ^^^^^^^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'a foreach that names no upstream stage: may not name the stage itself',
    text: lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      embed:',
      '        run: embed.ts#embed',
      '        foreach: embed',
    ),
    expected: [
      'pipelines.yaml:7:9 pipelines.p.stages.embed.foreach names the stage itself; foreach takes an upstream stage',
      '  7 |         foreach: embed',
      '    |         ^^^^^^^^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'a foreach that names no upstream stage: is valid when it names a stage of the pipeline',
    text: lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      scan: { run: scan.ts#scan }',
      '      embed:',
      '        run: embed.ts#embed',
      '        foreach: scan',
    ),
    expected: '',
  },
];

describe('DAG errors', () => {
  it.each(byName(cases))('%s', (_name, { text, options, expected }) => {
    expect(diagnose(text, options)).toBe(expectedOutput(expected));
  });
});

describe('through the CLI', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('needs naming an unknown stage: exits 2 from validate', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', UNKNOWN_NEEDS);
    const result = await ws.run(['validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      [
        'pipelines.yaml:8:26 pipelines.p.stages.bundle.needs[1] names no stage "complie" of pipeline p (did you mean "compile"?)',
        '  8 |         needs: [compile, complie]',
        '    |                          ^^^^^^^',
        '1 problem in pipelines.yaml',
        '',
      ].join('\n'),
    );
  });

  it('a stage that needs itself: exits 2 from validate with the same diagnostic', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', SELF_NEED);
    const result = await ws.run(['validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${SELF_NEED_EXPECTED.join('\n')}\n`);
  });
});
