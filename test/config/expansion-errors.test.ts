// Variable and param expansion errors: unknown ${params.x}, unset ${ENV}
// variables, and --param values no pipeline declares. Each row is
// pipelines.yaml text (and the environment / --param values) in and exactly
// what the CLI prints out ('' when the file is valid).
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { byName, type DiagnosticCase, diagnose, expectedOutput, lines } from './helpers.js';

const UNDEFINED_ENV = lines(
  'version: 1', //                                        1
  'pipelines:', //                                        2
  '  p:', //                                              3
  '    stages:', //                                       4
  '      deploy:', //                                     5
  '        shell: "scp out ${DEPLOY_HOST}:/srv"', //      6
  '        env:', //                                      7
  '          REGION: "${DEPLOY_REGION:-eu}"', //          8
);

const UNDEFINED_ENV_EXPECTED = [
  'pipelines.yaml:6:25 pipelines.p.stages.deploy.shell uses ${DEPLOY_HOST}, but DEPLOY_HOST is not set in the environment (write ${DEPLOY_HOST:-default} to give a default)',
  '  6 |         shell: "scp out ${DEPLOY_HOST}:/srv"',
  '    |                         ^^^^^^^^^^^^^^',
  '1 problem in pipelines.yaml',
];

const ONE_PIPELINE_WITH_PARAMS = lines(
  'version: 1',
  'pipelines:',
  '  p:',
  '    params: { root: src, depth: 2 }',
  '    stages:',
  '      a:',
  '        shell: "ls ${params.root} > seen.txt"',
);

const TWO_PIPELINES_WITH_PARAMS = lines(
  'version: 1',
  'pipelines:',
  '  p:',
  '    params: { root: src }',
  '    stages:',
  '      a: { shell: "ls ${params.root}" }',
  '  q:',
  '    stages:',
  '      b: { shell: "echo ${params.k}", params: { k: 1 } }',
);

const cases: DiagnosticCase[] = [
  // An unknown ${params.x}.
  {
    name: 'an unknown ${params.x}: points at the reference and lists the params the pipeline has',
    text: lines(
      'version: 1', //                                      1
      'pipelines:', //                                      2
      '  p:', //                                            3
      '    params: { root: src, out: dist }', //            4
      '    stages:', //                                     5
      '      build:', //                                    6
      '        inputs: ["${params.root}/**/*.ts"]', //      7
      '        shell: "tsc --outDir ${params.outt}"', //    8
    ),
    expected: [
      'pipelines.yaml:8:30 pipelines.p.stages.build.shell uses ${params.outt}, but the pipeline has no param "outt" (params: root, out)',
      '  8 |         shell: "tsc --outDir ${params.outt}"',
      '    |                              ^^^^^^^^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'an unknown ${params.x}: sees stage params as well as pipeline params',
    text: lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      build:',
      '        params: { out: dist }',
      '        shell: "tsc --outDir ${params.out}"',
    ),
    expected: '',
  },
  {
    name: 'an unknown ${params.x}: is found in a list entry, with the index in the field path',
    text: lines(
      'version: 1', //                                           1
      'pipelines:', //                                           2
      '  p:', //                                                 3
      '    stages:', //                                          4
      '      build:', //                                         5
      '        shell: "true"', //                                6
      '        outputs: [out.txt, "${params.dir}/b.txt"]', //    7
    ),
    expected: [
      'pipelines.yaml:7:29 pipelines.p.stages.build.outputs[1] uses ${params.dir}, but the pipeline has no param "dir" (params: none)',
      '  7 |         outputs: [out.txt, "${params.dir}/b.txt"]',
      '    |                             ^^^^^^^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },

  // An undefined ${ENV} variable.
  {
    name: 'an undefined ${ENV} variable: points at the reference itself',
    text: UNDEFINED_ENV,
    options: { env: {} },
    expected: UNDEFINED_ENV_EXPECTED,
  },
  {
    name: 'an undefined ${ENV} variable: is no problem once the variable is set; a default covers an unset one',
    text: UNDEFINED_ENV,
    options: { env: { DEPLOY_HOST: 'example.org' } },
    expected: '',
  },
  {
    name: 'an undefined ${ENV} variable: is found inside a block scalar, on the line of the reference',
    text: lines(
      'version: 1', //               1
      'pipelines:', //               2
      '  p:', //                     3
      '    stages:', //              4
      '      a:', //                 5
      '        shell: |', //         6
      '          echo start', //     7
      '          echo $${HOME} ${WHERE}', // 8
    ),
    options: { env: { HOME: '/root' } },
    expected: [
      'pipelines.yaml:8:25 pipelines.p.stages.a.shell uses ${WHERE}, but WHERE is not set in the environment (write ${WHERE:-default} to give a default)',
      '  8 |           echo $${HOME} ${WHERE}',
      '    |                         ^^^^^^^^',
      '1 problem in pipelines.yaml',
    ],
  },

  // An undeclared --param.
  {
    name: 'an undeclared --param: is an error naming the pipeline, its params and the closest one',
    text: ONE_PIPELINE_WITH_PARAMS,
    options: { paramOverrides: { rot: 'lib' }, pipelinesToCheck: ['p'] },
    expected: [
      'command line: --param rot is not a param of pipeline p (params: root, depth) (did you mean "root"?)',
      '1 problem on the command line',
    ],
  },
  {
    name: 'an undeclared --param: is fine when declared',
    text: ONE_PIPELINE_WITH_PARAMS,
    options: { paramOverrides: { root: 'lib' }, pipelinesToCheck: ['p'] },
    expected: '',
  },
  {
    name: 'an undeclared --param with several pipelines being run: applies to the pipelines that declare it: no error when one of them does',
    text: TWO_PIPELINES_WITH_PARAMS,
    options: { paramOverrides: { root: 'lib' }, pipelinesToCheck: ['p', 'q'] },
    expected: '',
  },
  {
    // A param a stage sets for itself counts as declared: --param overrides it.
    name: 'an undeclared --param with several pipelines being run: applies to the pipelines that declare it: a stage param counts as declared',
    text: TWO_PIPELINES_WITH_PARAMS,
    options: { paramOverrides: { k: '2' }, pipelinesToCheck: ['p', 'q'] },
    expected: '',
  },
  {
    name: 'an undeclared --param with several pipelines being run: is an error when none of them declares it',
    text: TWO_PIPELINES_WITH_PARAMS,
    options: { paramOverrides: { rot: 'lib' }, pipelinesToCheck: ['p', 'q'] },
    expected: [
      'command line: --param rot is not a param of any of pipelines p, q (params: root, k) (did you mean "root"?)',
      '1 problem on the command line',
    ],
  },
  {
    name: 'an undeclared --param with several pipelines being run: is an error when none of them declares it (only q is run)',
    text: TWO_PIPELINES_WITH_PARAMS,
    options: { paramOverrides: { root: 'lib' }, pipelinesToCheck: ['q'] },
    expected: [
      'command line: --param root is not a param of pipeline q (params: k) (a param is declared under pipelines.q.params in pipelines.yaml)',
      '1 problem on the command line',
    ],
  },
];

describe('expansion errors', () => {
  it.each(byName(cases))('%s', (_name, { text, options, expected }) => {
    expect(diagnose(text, options)).toBe(expectedOutput(expected));
  });
});

describe('an undefined ${ENV} variable', () => {
  it("in a pipeline's or the defaults' env is reported once, where it is set", () => {
    const text = lines(
      'version: 1', //                     1
      'defaults:', //                      2
      '  env: { D: "${DDD}" }', //         3
      'pipelines:', //                     4
      '  p:', //                           5
      '    env: { A: "${AAA}" }', //         6
      '    stages:', //                     7
      '      a: { shell: "true" }', //        8
      '      b:', //                          9
      '        shell: "true"', //             10
      '        env: { A: "${BBB}" }', //      11
      '      c: { shell: "true" }', //        12
    );
    const heads = diagnose(text)
      .split('\n')
      .filter((line) => line.startsWith('pipelines.yaml'));
    expect(heads).toEqual([
      'pipelines.yaml:3:14 defaults.env.D uses ${DDD}, but DDD is not set in the environment (write ${DDD:-default} to give a default)',
      'pipelines.yaml:6:16 pipelines.p.env.A uses ${AAA}, but AAA is not set in the environment (write ${AAA:-default} to give a default)',
      'pipelines.yaml:11:20 pipelines.p.stages.b.env.A uses ${BBB}, but BBB is not set in the environment (write ${BBB:-default} to give a default)',
    ]);
  });
});

describe('several errors at once', () => {
  it('from ${...} expansion are all reported in line order too', () => {
    const text = lines(
      'version: 1', //                       1
      'pipelines:', //                       2
      '  p:', //                             3
      '    stages:', //                      4
      '      a:', //                         5
      '        shell: "echo ${ONE}"', //     6
      '        inputs: ["${TWO}/*"]', //     7
      '        env:', //                     8
      '          X: "${THREE}"', //          9
      '        outputs: "${FOUR}"', //       10
    );
    const heads = diagnose(text)
      .split('\n')
      .filter((line) => line.startsWith('pipelines.yaml:'))
      .map((line) => line.split(' ').slice(0, 2).join(' '));
    expect(heads).toEqual([
      'pipelines.yaml:6:22 pipelines.p.stages.a.shell',
      'pipelines.yaml:7:19 pipelines.p.stages.a.inputs[0]',
      'pipelines.yaml:9:15 pipelines.p.stages.a.env.X',
      'pipelines.yaml:10:19 pipelines.p.stages.a.outputs',
    ]);
  });
});

describe('through the CLI', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('an undefined ${ENV} variable: exits 2 from exec when the variable is missing from the environment', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', UNDEFINED_ENV);
    const missing = await runWithout(ws, 'DEPLOY_HOST');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`${UNDEFINED_ENV_EXPECTED.join('\n')}\n`);
  });

  it('an undeclared --param: exits 2 and runs nothing', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', ONE_PIPELINE_WITH_PARAMS);
    const result = await ws.run(['exec', 'p', '--param', 'rot=lib', '--json']);
    expect(result.code).toBe(2);
    expect(result.events).toEqual([]);
    expect(ws.exists('seen.txt')).toBe(false);
    expect(result.stderr).toBe(
      'command line: --param rot is not a param of pipeline p (params: root, depth) (did you mean "root"?)\n1 problem on the command line\n',
    );
  });

  it('an undeclared --param: exits 2 for a --param without a value', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', ONE_PIPELINE_WITH_PARAMS);
    const result = await ws.run(['exec', 'p', '--param', 'root']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('runner: --param root: expected NAME=VALUE\n');
  });
});

/** The rig merges env over process.env, so a variable is removed by running with it deleted there. */
async function runWithout(ws: Workspace, name: string): ReturnType<Workspace['run']> {
  const saved = process.env[name];
  delete process.env[name];
  try {
    return await ws.run(['exec', 'p']);
  } finally {
    if (saved !== undefined) process.env[name] = saved;
  }
}
