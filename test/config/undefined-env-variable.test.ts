import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { diagnose, lines } from './helpers.js';

const TEXT = lines(
  'version: 1', //                                        1
  'pipelines:', //                                        2
  '  p:', //                                              3
  '    stages:', //                                       4
  '      deploy:', //                                     5
  '        shell: "scp out ${DEPLOY_HOST}:/srv"', //      6
  '        env:', //                                      7
  '          REGION: "${DEPLOY_REGION:-eu}"', //          8
);

const EXPECTED = [
  'pipelines.yaml:6:25 pipelines.p.stages.deploy.shell uses ${DEPLOY_HOST}, but DEPLOY_HOST is not set in the environment (write ${DEPLOY_HOST:-default} to give a default)',
  '  6 |         shell: "scp out ${DEPLOY_HOST}:/srv"',
  '    |                         ^^^^^^^^^^^^^^',
  '1 problem in pipelines.yaml',
].join('\n');

describe('an undefined ${ENV} variable', () => {
  it('points at the reference itself', () => {
    expect(diagnose(TEXT, { env: {} })).toBe(EXPECTED);
  });

  it('is no problem once the variable is set; a default covers an unset one', () => {
    expect(diagnose(TEXT, { env: { DEPLOY_HOST: 'example.org' } })).toBe('');
  });

  it('is found inside a block scalar, on the line of the reference', () => {
    const text = lines(
      'version: 1', //               1
      'pipelines:', //               2
      '  p:', //                     3
      '    stages:', //              4
      '      a:', //                 5
      '        shell: |', //         6
      '          echo start', //     7
      '          echo $${HOME} ${WHERE}', // 8
    );
    expect(diagnose(text, { env: { HOME: '/root' } })).toBe(
      [
        'pipelines.yaml:8:25 pipelines.p.stages.a.shell uses ${WHERE}, but WHERE is not set in the environment (write ${WHERE:-default} to give a default)',
        '  8 |           echo $${HOME} ${WHERE}',
        '    |                         ^^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

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

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('exits 2 from exec when the variable is missing from the environment', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', TEXT);
      const missing = await runWithout(ws, 'DEPLOY_HOST');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe(`${EXPECTED}\n`);
    });
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
