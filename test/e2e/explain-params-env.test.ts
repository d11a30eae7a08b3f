import { afterEach, describe, expect, it } from 'vitest';
import { cachedWorkspace } from './explain-workspace.js';
import type { Workspace } from './rig.js';

describe('explain: params and env', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('shows a param old -> new', async () => {
    ws = await cachedWorkspace();
    const result = await ws.run(['explain', 'p', 'down', '--param', 'level=2']);
    expect(result.stdout).toBe(
      ['p/down  would run   param changed: level', '    params:', '      level: 1 -> 2', ''].join('\n'),
    );
  });

  it('shows an env value old -> new', async () => {
    ws = await cachedWorkspace();
    const result = await ws.run(['explain', 'p', 'down'], { env: { RUNNER_TEST_MODE: 'thorough' } });
    expect(result.stdout).toBe(
      ['p/down  would run   env changed: MODE', '    env:', '      MODE: "fast" -> "thorough"', ''].join('\n'),
    );
  });

  it('never shows a secret: only that it changed', async () => {
    ws = await cachedWorkspace();
    const env = { RUNNER_TEST_TOKEN: 'second-token-value' };
    const result = await ws.run(['explain', 'p', 'down'], { env });
    expect(result.stdout).toBe(
      ['p/down  would run   env changed: API_TOKEN', '    env:', '      API_TOKEN: (secret changed)', ''].join('\n'),
    );
    const json = await ws.run(['explain', 'p', 'down', '--json'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({ changes: [{ kind: 'env', name: 'API_TOKEN', isSecret: true }] });
    for (const output of [result.stdout, json.stdout]) {
      expect(output).not.toContain('token-value');
    }
  });
});
