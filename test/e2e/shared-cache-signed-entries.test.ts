// With RUNNER_CACHE_SIGNING_KEY, what goes to the shared store is signed
// (HMAC-SHA256), and an entry or blob read from it that is unsigned or
// mis-signed is refused with a warning: the stage then runs.
import { describe, expect, it } from 'vitest';
import { outcomes } from './rig.js';
import { oneStageFiles, SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const FILES = oneStageFiles('a\nb\n');
const KEY = 'team-secret-1';

interface Stored {
  value: { j: string; s?: string };
  expires: number | null;
}

describe.each(SHARED_BACKENDS)('a signed shared cache in %s', (backend) => {
  const rig = sharedCacheRig(backend);

  /** The one key in the shared store that starts with `prefix`. */
  async function onlyKey(prefix: string): Promise<string> {
    const keys = (await rig.keys()).filter((key) => key.startsWith(prefix));
    expect(keys).toHaveLength(1);
    return keys[0] ?? '';
  }

  /** Rewrites a stored entry's value text, keeping its signature. */
  async function tamper(key: string, change: (text: string) => string): Promise<void> {
    const stored = JSON.parse((await rig.getRaw(key)) ?? '') as Stored;
    stored.value.j = change(stored.value.j);
    await rig.setRaw(key, JSON.stringify(stored));
  }

  it('restores what a machine with the same key signed', async () => {
    const env = { RUNNER_CACHE_URL: rig.url(), RUNNER_CACHE_SIGNING_KEY: KEY };
    expect((await rig.machine(FILES).run(['exec', 'p'], { env })).code).toBe(0);
    const stored = JSON.parse((await rig.getRaw(await onlyKey('stage:'))) ?? '') as Stored;
    expect(stored.value.s).toMatch(/^[0-9a-f]{64}$/);
    const run = await rig.machine(FILES).run(['exec', 'p', '--json'], { env });
    expect(run.stderr).not.toContain('warning');
    expect(outcomes(run.events)).toEqual({ make: 'restored' });
  });

  it('refuses a tampered stage entry: the stage runs', async () => {
    const env = { RUNNER_CACHE_URL: rig.url(), RUNNER_CACHE_SIGNING_KEY: KEY };
    expect((await rig.machine(FILES).run(['exec', 'p'], { env })).code).toBe(0);
    const key = await onlyKey('stage:');
    await tamper(key, (text) => text.replace(/"durationMs":[0-9.]+/, '"durationMs":1'));
    const second = rig.machine(FILES);
    const run = await second.run(['exec', 'p', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(outcomes(run.events)).toEqual({ make: 'ran' });
    expect(run.stderr).toContain(`warning: refused shared cache entry ${key}: its signature does not match`);
    expect(second.read('out/double.txt')).toBe('a\nb\na\nb\n');
  });

  it('refuses a tampered blob: the stage runs and its output is its own', async () => {
    const env = { RUNNER_CACHE_URL: rig.url(), RUNNER_CACHE_SIGNING_KEY: KEY };
    expect((await rig.machine(FILES).run(['exec', 'p'], { env })).code).toBe(0);
    const key = await onlyKey('blob:');
    await tamper(key, () => JSON.stringify(Buffer.from('evil\n').toString('base64')));
    const second = rig.machine(FILES);
    const run = await second.run(['exec', 'p', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(outcomes(run.events)).toEqual({ make: 'ran' });
    expect(run.stderr).toContain('its signature does not match');
    expect(second.read('out/double.txt')).toBe('a\nb\na\nb\n');
  });

  it('refuses entries written without a key, and those signed with another one', async () => {
    const url = rig.url();
    expect((await rig.machine(FILES).run(['exec', 'p'], { env: { RUNNER_CACHE_URL: url } })).code).toBe(0);
    const signed = { RUNNER_CACHE_URL: url, RUNNER_CACHE_SIGNING_KEY: KEY };
    const unsigned = await rig.machine(FILES).run(['exec', 'p', '--json'], { env: signed });
    expect(outcomes(unsigned.events)).toEqual({ make: 'ran' });
    expect(unsigned.stderr).toMatch(/refused shared cache entry stage:[0-9a-f]{64}: it is not signed/);

    const other = { RUNNER_CACHE_URL: url, RUNNER_CACHE_SIGNING_KEY: 'another-key' };
    const run = await rig.machine(FILES).run(['exec', 'p', '--json'], { env: other });
    expect(outcomes(run.events)).toEqual({ make: 'ran' });
    expect(run.stderr).toContain('its signature does not match');
  });
});
