// Schema errors: missing, unknown, duplicate and ill-typed fields, run/shell,
// and several of them at once. Each row is pipelines.yaml text in and exactly
// what the CLI prints out ('' when the file is valid).
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { byName, type DiagnosticCase, diagnose, expectedOutput, lines } from './helpers.js';

const CONCURRENCY_ZERO = lines(
  'version: 1', //                   1
  'pipelines:', //                   2
  '  p:', //                         3
  '    stages:', //                  4
  '      s:', //                     5
  '        shell: "echo s"', //      6
  '        concurrency: 0', //       7
);

const DUPLICATE_STAGE = lines(
  'version: 1', //               1
  'pipelines:', //               2
  '  p:', //                     3
  '    stages:', //              4
  '      build:', //             5
  '        shell: "echo 1"', //  6
  '      test:', //              7
  '        shell: "echo 2"', //  8
  '      build:', //             9
  '        shell: "echo 3"', //  10
);

const SEVERAL_ERRORS = lines(
  'version: 1', //                        1
  'pipelines:', //                        2
  '  p:', //                              3
  '    stages:', //                       4
  '      a:', //                          5
  '        shell: "true"', //             6
  '        retries: -1', //               7
  '      b:', //                          8
  '        needs: [a, c]', //             9
  '        shell: "true"', //             10
  '        colour: red', //               11
  '      a:', //                          12
  '        run: a.ts#a', //               13
  '        shell: "true"', //             14
  '        concurrency: 0', //            15
);

const SEVERAL_ERRORS_EXPECTED = [
  'pipelines.yaml:9:20 pipelines.p.stages.b.needs[1] names no stage "c" of pipeline p (did you mean "a"?)',
  '  9 |         needs: [a, c]',
  '    |                    ^',
  'pipelines.yaml:11:9 pipelines.p.stages.b.colour is not a known field',
  '  11 |         colour: red',
  '     |         ^^^^^^^^^^^',
  'pipelines.yaml:12:7 pipelines.p.stages.a duplicate stage name "a" (first defined at line 5)',
  '  12 |       a:',
  '     |       ^',
  'pipelines.yaml:12:7 pipelines.p.stages.a has both run and shell; a stage runs either a module (run) or a command (shell)',
  '  12 |       a:',
  '     |       ^^',
  'pipelines.yaml:15:9 pipelines.p.stages.a.concurrency must be an integer >= 1',
  '  15 |         concurrency: 0',
  '     |         ^^^^^^^^^^^^^^',
  '5 problems in pipelines.yaml',
];

const cases: DiagnosticCase[] = [
  // A missing required field.
  {
    name: 'a missing required field: names the mapping it is missing from and the field',
    text: lines(
      'version: 1', //     1
      'pipelines:', //     2
      '  p:', //           3
      '    description: no stages here', // 4
    ),
    expected: [
      'pipelines.yaml:3:3 pipelines.p is missing the required field "stages"',
      '  3 |   p:',
      '    |   ^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'a missing required field: reports a missing top-level field at the top of the file',
    text: lines(
      'pipelines:', //     1
      '  p:', //           2
      '    stages:', //    3
      '      a:', //       4
      '        shell: "true"', // 5
    ),
    expected: [
      'pipelines.yaml:1:1 is missing the required field "version"',
      '  1 | pipelines:',
      '    | ^^^^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'a missing required field: reports an empty file at its start',
    text: '',
    expected: [
      'pipelines.yaml:1:1 must be a mapping with version and pipelines',
      '  1 | ',
      '    | ^',
      '1 problem in pipelines.yaml',
    ],
  },

  // An unknown field.
  {
    name: 'an unknown field: is an error on a stage, with the closest known field suggested',
    text: lines(
      'version: 1', //              1
      'pipelines:', //              2
      '  p:', //                    3
      '    stages:', //             4
      '      a:', //                5
      '        shell: "true"', //   6
      '      b:', //                7
      '        shell: "true"', //   8
      '        needz: [a]', //      9
    ),
    expected: [
      'pipelines.yaml:9:9 pipelines.p.stages.b.needz is not a known field (did you mean "needs"?)',
      '  9 |         needz: [a]',
      '    |         ^^^^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'an unknown field: is an error at every level: top level, pipeline, cache block',
    text: lines(
      'version: 1', //                        1
      'defualts: {}', //                      2
      'pipelines:', //                        3
      '  p:', //                              4
      '    descripton: typo', //              5
      '    stages:', //                       6
      '      a:', //                          7
      '        shell: "true"', //             8
      '        cache: { polcy: never }', //   9
    ),
    expected: [
      'pipelines.yaml:2:1 defualts is not a known field (did you mean "defaults"?)',
      '  2 | defualts: {}',
      '    | ^^^^^^^^^^^^',
      'pipelines.yaml:5:5 pipelines.p.descripton is not a known field (did you mean "description"?)',
      '  5 |     descripton: typo',
      '    |     ^^^^^^^^^^^^^^^^',
      'pipelines.yaml:9:18 pipelines.p.stages.a.cache.polcy is not a known field (did you mean "policy"?)',
      '  9 |         cache: { polcy: never }',
      '    |                  ^^^^^^^^^^^^',
      '3 problems in pipelines.yaml',
    ],
  },
  {
    name: 'an unknown field: gets no suggestion when nothing known is close',
    text: lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      a:',
      '        shell: "true"',
      '        frobnicate: 3',
    ),
    expected: [
      'pipelines.yaml:7:9 pipelines.p.stages.a.frobnicate is not a known field',
      '  7 |         frobnicate: 3',
      '    |         ^^^^^^^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },

  // A field of the wrong type or out of range.
  {
    name: 'a field of the wrong type or out of range: names the field path, the rule, and underlines the field',
    text: CONCURRENCY_ZERO,
    expected: [
      'pipelines.yaml:7:9 pipelines.p.stages.s.concurrency must be an integer >= 1',
      '  7 |         concurrency: 0',
      '    |         ^^^^^^^^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'a field of the wrong type or out of range: reports each bad field of a stage with what it expects',
    text: lines(
      'version: 1', //                                  1
      'pipelines:', //                                  2
      '  p:', //                                        3
      '    stages:', //                                 4
      '      s:', //                                    5
      '        shell: "echo s"', //                     6
      '        retries: two', //                        7
      '        timeout: 5', //                          8
      '        isolate: thread', //                     9
      '        cache: { policy: sometimes }', //        10
      '        batchSize: 1.5', //                      11
    ),
    expected: [
      'pipelines.yaml:7:9 pipelines.p.stages.s.retries must be an integer >= 0',
      '  7 |         retries: two',
      '    |         ^^^^^^^^^^^^',
      'pipelines.yaml:8:9 pipelines.p.stages.s.timeout must be a duration such as 500ms, 30s, 5m, 2h or 7d',
      '  8 |         timeout: 5',
      '    |         ^^^^^^^^^^',
      'pipelines.yaml:9:9 pipelines.p.stages.s.isolate must be one of inline, worker, process',
      '  9 |         isolate: thread',
      '    |         ^^^^^^^^^^^^^^^',
      'pipelines.yaml:10:18 pipelines.p.stages.s.cache.policy must be one of content, ttl, never',
      '  10 |         cache: { policy: sometimes }',
      '     |                  ^^^^^^^^^^^^^^^^^',
      'pipelines.yaml:11:9 pipelines.p.stages.s.batchSize must be an integer >= 1',
      '  11 |         batchSize: 1.5',
      '     |         ^^^^^^^^^^^^^^',
      '5 problems in pipelines.yaml',
    ],
  },
  {
    name: 'a knob written as ${...}: says where expansion happens',
    text: lines(
      'version: 1', //                               1
      'pipelines:', //                               2
      '  p:', //                                     3
      '    params: { iso: worker }', //              4
      '    stages:', //                              5
      '      s:', //                                 6
      '        shell: "echo s"', //                  7
      '        isolate: "${params.iso}"', //         8
    ),
    expected: [
      'pipelines.yaml:8:9 pipelines.p.stages.s.isolate must be one of inline, worker, process (`${...}` is expanded in run, shell, inputs, outputs, foreach, params and env only)',
      '  8 |         isolate: "${params.iso}"',
      '    |         ^^^^^^^^^^^^^^^^^^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'the top-level cache: shared is read or write',
    text: lines(
      'version: 1', //                 1
      'cache:', //                     2
      '  shared: maybe', //            3
      'pipelines:', //                 4
      '  p:', //                       5
      '    stages:', //                6
      '      s:', //                   7
      '        shell: "echo s"', //    8
    ),
    expected: [
      'pipelines.yaml:3:3 cache.shared must be one of read, write',
      '  3 |   shared: maybe',
      '    |   ^^^^^^^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'a field of the wrong type or out of range: accepts the same stage once the values are in range',
    text: CONCURRENCY_ZERO.replace('concurrency: 0', 'concurrency: 1'),
    expected: '',
  },

  // run and shell.
  {
    name: 'a stage with both run and shell: is an error at the stage',
    text: lines(
      'version: 1', //                      1
      'pipelines:', //                      2
      '  p:', //                            3
      '    stages:', //                     4
      '      build:', //                    5
      '        run: tools/build.ts#build', // 6
      '        shell: "make"', //           7
    ),
    expected: [
      'pipelines.yaml:5:7 pipelines.p.stages.build has both run and shell; a stage runs either a module (run) or a command (shell)',
      '  5 |       build:',
      '    |       ^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'a stage with neither run nor shell: is an error at the stage, saying what it needs',
    text: lines(
      'version: 1', //          1
      'pipelines:', //          2
      '  p:', //                3
      '    stages:', //         4
      '      a:', //            5
      '        shell: "true"', // 6
      '      b:', //            7
      '        needs: [a]', //  8
    ),
    expected: [
      'pipelines.yaml:7:7 pipelines.p.stages.b needs run (path/to/module.ts#export) or shell (a command)',
      '  7 |       b:',
      '    |       ^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'a stage with neither run nor shell: is an error for an empty stage too',
    text: lines('version: 1', 'pipelines:', '  p:', '    stages:', '      a:'),
    expected: [
      'pipelines.yaml:5:7 pipelines.p.stages.a must be a stage mapping with run or shell',
      '  5 |       a:',
      '    |       ^^',
      '1 problem in pipelines.yaml',
    ],
  },

  // Duplicate names.
  {
    name: 'duplicate pipeline names: points at the second pipeline and names the line of the first',
    text: lines(
      'version: 1', //               1
      'pipelines:', //               2
      '  docs:', //                  3
      '    stages:', //              4
      '      a:', //                 5
      '        shell: "true"', //    6
      '  docs:', //                  7
      '    stages:', //              8
      '      b:', //                 9
      '        shell: "true"', //    10
    ),
    expected: [
      'pipelines.yaml:7:3 pipelines.docs duplicate pipeline name "docs" (first defined at line 3)',
      '  7 |   docs:',
      '    |   ^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'duplicate stage names: points at the second definition and names the line of the first',
    text: DUPLICATE_STAGE,
    expected: [
      'pipelines.yaml:9:7 pipelines.p.stages.build duplicate stage name "build" (first defined at line 5)',
      '  9 |       build:',
      '    |       ^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'duplicate stage names: are fine across pipelines: stage names are per pipeline',
    text: lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      build: { shell: "true" }',
      '  q:',
      '    stages:',
      '      build: { shell: "true" }',
    ),
    expected: '',
  },

  // Several errors at once.
  {
    name: 'several errors at once: are all reported, sorted by line, whichever check found them',
    text: SEVERAL_ERRORS,
    expected: SEVERAL_ERRORS_EXPECTED,
  },
];

describe('schema errors', () => {
  it.each(byName(cases))('%s', (_name, { text, options, expected }) => {
    expect(diagnose(text, options)).toBe(expectedOutput(expected));
  });
});

describe('duplicate pipeline names', () => {
  it('is reported in line order with the schema problems of the same file', () => {
    const text = lines(
      'version: 1', //               1
      'pipelines:', //               2
      '  docs:', //                  3
      '    stages:', //              4
      '      a:', //                 5
      '        shell: "true"', //    6
      '  docs:', //                  7
      '    stages:', //              8
      '      b:', //                 9
      '        shell: "true"', //    10
      '        concurrency: -1', //  11
      '  web:', //                   12
      '    stagez: {}', //           13
    );
    const printed = diagnose(text);
    const heads = printed.split('\n').filter((line) => line.startsWith('pipelines.yaml:'));
    expect(heads).toEqual([
      'pipelines.yaml:7:3 pipelines.docs duplicate pipeline name "docs" (first defined at line 3)',
      'pipelines.yaml:11:9 pipelines.docs.stages.b.concurrency must be an integer >= 1',
      'pipelines.yaml:12:3 pipelines.web is missing the required field "stages"',
      'pipelines.yaml:13:5 pipelines.web.stagez is not a known field (did you mean "stages"?)',
    ]);
    expect(printed.endsWith('\n4 problems in pipelines.yaml')).toBe(true);
  });
});

describe('through the CLI', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('an unknown field: exits 2 from exec with the suggestion', async () => {
    ws = new Workspace();
    ws.write(
      'pipelines.yaml',
      lines('version: 1', 'pipelines:', '  p:', '    stages:', '      a:', '        shel: "true"'),
    );
    const result = await ws.run(['exec', 'p']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      [
        'pipelines.yaml:5:7 pipelines.p.stages.a needs run (path/to/module.ts#export) or shell (a command)',
        '  5 |       a:',
        '    |       ^^',
        'pipelines.yaml:6:9 pipelines.p.stages.a.shel is not a known field (did you mean "shell"?)',
        '  6 |         shel: "true"',
        '    |         ^^^^^^^^^^^^',
        '2 problems in pipelines.yaml',
        '',
      ].join('\n'),
    );
  });

  it('a field of the wrong type or out of range: prints the diagnostic on stderr and exits 2', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', CONCURRENCY_ZERO);
    const result = await ws.run(['validate']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'pipelines.yaml:7:9 pipelines.p.stages.s.concurrency must be an integer >= 1',
        '  7 |         concurrency: 0',
        '    |         ^^^^^^^^^^^^^^',
        '1 problem in pipelines.yaml',
        '',
      ].join('\n'),
    );
  });

  it('a field of the wrong type or out of range: refuses to run the pipeline and runs nothing', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', CONCURRENCY_ZERO.replace('echo s', 'echo s > ran.txt'));
    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(2);
    expect(result.events).toEqual([]);
    expect(ws.exists('ran.txt')).toBe(false);
    expect(result.stderr).toContain('pipelines.yaml:7:9 pipelines.p.stages.s.concurrency must be an integer >= 1');
  });

  it('duplicate stage names: exits 2 and runs nothing', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', DUPLICATE_STAGE);
    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(2);
    expect(result.events).toEqual([]);
    expect(result.stderr).toBe(
      [
        'pipelines.yaml:9:7 pipelines.p.stages.build duplicate stage name "build" (first defined at line 5)',
        '  9 |       build:',
        '    |       ^^^^^',
        '1 problem in pipelines.yaml',
        '',
      ].join('\n'),
    );
  });

  it('several errors at once: prints them all and exits 2', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', SEVERAL_ERRORS);
    const result = await ws.run(['validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${SEVERAL_ERRORS_EXPECTED.join('\n')}\n`);
  });
});
