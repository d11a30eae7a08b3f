// passEnv in the plan: the lists of defaults, pipeline and stage add up; a
// name or a PREFIX_* takes the runner's current value into the stage's env
// entries (so into its key); unset variables are left out; a declared env
// entry of the same name wins; secret-looking names are secrets.
import { describe, expect, it } from 'vitest';
import { shellEnvironment } from '../../src/config/environment.js';
import { parseYaml } from '../../src/config/parse.js';
import { planConfig } from '../../src/config/plan.js';
import { validateConfig } from '../../src/config/validate.js';
import { diagnose, FILE, lines } from './helpers.js';

const YAML = lines(
  'version: 1',
  'defaults:',
  '  passEnv: APP_*',
  'pipelines:',
  '  p:',
  '    passEnv: [BAR]',
  '    stages:',
  '      a:',
  '        shell: "true"',
  '        env: { BAR: declared }',
  '        passEnv: [FOO, API_TOKEN, UNSET_ONE]',
  '      b:',
  '        shell: "true"',
);

function envOf(stage: string, env: Record<string, string>) {
  const parsed = parseYaml(FILE, YAML);
  if (!parsed.parsed) throw new Error('bad yaml');
  const validated = validateConfig(FILE, parsed.parsed);
  if (!validated.config) throw new Error(JSON.stringify(validated.diagnostics));
  const planned = planConfig(validated.config, { file: FILE, env });
  const plan = planned.plan?.pipelines.get('p')?.stages.get(stage);
  if (!plan) throw new Error(JSON.stringify(planned.diagnostics));
  return plan.definition.env;
}

describe('passEnv', () => {
  const env = { APP_ONE: '1', APP_TWO: '2', BAR: 'from-runner', FOO: 'foo', API_TOKEN: 't', PATH: '/bin', OTHER: 'o' };

  it("takes the named variables' values into the stage's env, in name order, declared env first", () => {
    expect(envOf('a', env)).toEqual([
      { name: 'API_TOKEN', value: 't', isSecret: true },
      { name: 'APP_ONE', value: '1', isSecret: false },
      { name: 'APP_TWO', value: '2', isSecret: false },
      { name: 'BAR', value: 'declared', isSecret: false },
      { name: 'FOO', value: 'foo', isSecret: false },
    ]);
    expect(envOf('b', env)).toEqual([
      { name: 'APP_ONE', value: '1', isSecret: false },
      { name: 'APP_TWO', value: '2', isSecret: false },
      { name: 'BAR', value: 'from-runner', isSecret: false },
    ]);
  });

  it('gives a shell stage only its env entries and the pass-through variables', () => {
    const entries = envOf('b', env);
    expect(shellEnvironment({ ...env, LC_TIME: 'C', HOME: '/h', TERM: 'dumb' }, entries)).toEqual({
      APP_ONE: '1',
      APP_TWO: '2',
      BAR: 'from-runner',
      HOME: '/h',
      LC_TIME: 'C',
      PATH: '/bin',
      TERM: 'dumb',
    });
  });

  it('takes only names of letters, digits and _ (a trailing * for a prefix)', () => {
    expect(
      diagnose(
        lines(
          'version: 1',
          'pipelines:',
          '  p:',
          '    stages:',
          '      a:',
          '        shell: "true"',
          '        passEnv: A-B',
        ),
      ),
    ).toBe(
      [
        'pipelines.yaml:7:9 pipelines.p.stages.a.passEnv must be a variable name or a list of them (NAME, or PREFIX_*)',
        '  7 |         passEnv: A-B',
        '    |         ^^^^^^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });
});
