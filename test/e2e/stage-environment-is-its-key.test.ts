// A stage sees only the environment its key covers: its env, its passEnv
// variables (values in the key), and for shell stages the documented
// pass-through list (PATH, HOME, LANG, LC_*...), whose values are not in the
// key. Nothing else of the runner's environment reaches a shell stage, so
// an undeclared variable can never leave a stale result cached.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const SHOW = 'echo "FOO=$FOO BAR=$BAR APP_ONE=$APP_ONE MODE=$MODE path=${PATH:+set} home=${HOME:+set} lc=$LC_ALL"\n';

const TASK = `export function task(ctx) {
  return [{ env: Object.keys(ctx.env).sort().map((name) => name + '=' + ctx.env[name]).join(' ') }];
}
`;

function pipeline(extra: { defaults?: string[]; pipeline?: string[]; stage?: string[] } = {}): string {
  return [
    'version: 1',
    ...(extra.defaults ? ['defaults:', ...extra.defaults.map((l) => `  ${l}`)] : []),
    'pipelines:',
    '  p:',
    ...(extra.pipeline ?? []).map((l) => `    ${l}`),
    '    stages:',
    '      show:',
    '        shell: sh show.sh',
    '        env: { MODE: fast }',
    ...(extra.stage ?? []).map((l) => `        ${l}`),
    '      task:',
    '        run: m.mjs#task',
    '        env: { MODE: fast }',
    ...(extra.stage ?? []).map((l) => `        ${l}`),
    '',
  ].join('\n');
}

describe('the environment of a stage', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  function setUp(yaml: string): Workspace {
    ws = new Workspace();
    ws.write('show.sh', SHOW);
    ws.write('m.mjs', TASK);
    ws.write('pipelines.yaml', yaml);
    return ws;
  }

  const shown = (events: Awaited<ReturnType<Workspace['run']>>['events']): string[] =>
    events.flatMap((e) => (e.event === 'stage:log' && e.stage === 'show' ? [e.line] : []));

  it('an undeclared variable never reaches a shell stage, so changing it reruns nothing and changes nothing', async () => {
    setUp(pipeline());
    const first = await ws.run(['exec', 'p', '--json'], { env: { FOO: '1', LC_ALL: 'C' } });
    expect(first.code, first.stderr).toBe(0);
    expect(shown(first.events)).toEqual(['FOO= BAR= APP_ONE= MODE=fast path=set home=set lc=C']);

    // FOO is not in the key and not in the stage's environment: cached, and rightly so.
    const second = await ws.run(['exec', 'p', '--json'], { env: { FOO: '2', LC_ALL: 'C' } });
    expect(stageEnd(second.events, 'show').outcome).toBe('cached');
    // The pass-through variables are seen, their values not keyed.
    const third = await ws.run(['exec', 'p', '--json'], { env: { LC_ALL: 'C.UTF-8', HOME: '/elsewhere' } });
    expect(stageEnd(third.events, 'show').outcome).toBe('cached');
    const forced = await ws.run(['exec', 'p', '--json', '--force'], { env: { FOO: '3', LC_ALL: 'C.UTF-8' } });
    expect(shown(forced.events)).toEqual(['FOO= BAR= APP_ONE= MODE=fast path=set home=set lc=C.UTF-8']);
  });

  it('passEnv at defaults (a prefix), pipeline and stage level adds up; the values reach the stage and its key', async () => {
    setUp(pipeline({ defaults: ['passEnv: APP_*'], pipeline: ['passEnv: [BAR]'], stage: ['passEnv: [FOO]'] }));
    const env = { FOO: '1', BAR: 'b', APP_ONE: 'x', OTHER: 'o', LC_ALL: 'C' };
    const first = await ws.run(['exec', 'p', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(shown(first.events)).toEqual(['FOO=1 BAR=b APP_ONE=x MODE=fast path=set home=set lc=C']);

    const changed = { ...env, FOO: '2' };
    const explained = await ws.run(['explain', 'p', 'show'], { env: changed });
    expect(explained.stdout).toBe(
      ['p/show  would run   env changed: FOO', '    env:', '      FOO: "1" -> "2"', ''].join('\n'),
    );
    const rerun = await ws.run(['exec', 'p', '--json'], { env: changed });
    expect(stageEnd(rerun.events, 'show').outcome).toBe('ran');
    expect(stageEnd(rerun.events, 'task').outcome).toBe('ran');
    expect(shown(rerun.events)).toEqual(['FOO=2 BAR=b APP_ONE=x MODE=fast path=set home=set lc=C']);

    // A variable of the prefix that appears is a change too; one that is unset leaves the key.
    const added = await ws.run(['explain', 'p', 'show'], { env: { ...changed, APP_TWO: 'y' } });
    expect(added.stdout).toBe(
      ['p/show  would run   env changed: APP_TWO', '    env:', '      APP_TWO: (unset) -> "y"', ''].join('\n'),
    );
    const { FOO: _dropped, ...withoutFoo } = changed;
    const unset = await ws.run(['explain', 'p', 'show'], { env: withoutFoo });
    expect(unset.stdout).toBe(
      ['p/show  would run   env changed: FOO', '    env:', '      FOO: "2" -> (unset)', ''].join('\n'),
    );
    const again = await ws.run(['exec', 'p', '--json'], { env: changed });
    expect([stageEnd(again.events, 'show').outcome, stageEnd(again.events, 'task').outcome]).toEqual([
      'cached',
      'cached',
    ]);
  });

  it('task stages see their env and passEnv variables in ctx.env', async () => {
    setUp(pipeline({ stage: ['passEnv: [FOO, APP_*]'] }));
    ws.write(
      'pipelines.yaml',
      `${pipeline({ stage: ['passEnv: [FOO, APP_*]'] })}      dump:\n        run: m.mjs#dump\n        needs: [task]\n        cache: { policy: never }\n`,
    );
    ws.write(
      'm.mjs',
      `${TASK}export async function dump(ctx) {\n  for await (const r of ctx.upstream('task')) (await import('node:fs')).writeFileSync(ctx.workspace.resolve('env.txt'), r.env);\n}\n`,
    );
    const result = await ws.run(['exec', 'p'], { env: { FOO: '1', APP_ONE: 'x', BAR: 'b' } });
    expect(result.code, result.stderr).toBe(0);
    expect(ws.read('env.txt')).toBe('APP_ONE=x FOO=1 MODE=fast');
  });

  it('a secret passed through enters the key as a hash, never as its value', async () => {
    setUp(pipeline({ stage: ['passEnv: [DEPLOY_TOKEN]'] }));
    const first = await ws.run(['exec', 'p'], { env: { DEPLOY_TOKEN: 'first-secret-value' } });
    expect(first.code, first.stderr).toBe(0);
    const explained = await ws.run(['explain', 'p', 'show'], { env: { DEPLOY_TOKEN: 'second-secret-value' } });
    expect(explained.stdout).toBe(
      ['p/show  would run   env changed: DEPLOY_TOKEN', '    env:', '      DEPLOY_TOKEN: (secret changed)', ''].join(
        '\n',
      ),
    );
    expect(ws.read('.runner/state.json')).not.toContain('secret-value');
  });
});
