// A blob in the shared store whose content does not match its hash (an
// unsigned store written by something else, or damaged) is not restored:
// the stage runs, and the warning says the blob is corrupt in the shared
// cache, naming it, rather than that it is not in the object store; the
// stage's reason is its output missing here, not "found in the cache".
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/cache/store.js';
import { outcomes, stageEnd } from './rig.js';
import { oneStageFiles, SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const FILES = oneStageFiles('a\nb\n');

describe.each(SHARED_BACKENDS)('a corrupt blob in a shared cache in %s', (backend) => {
  const rig = sharedCacheRig(backend);

  it('is named as corrupt in the shared cache; the stage runs and its output is its own', async () => {
    const env = { RUNNER_CACHE_URL: rig.url() };
    expect((await rig.machine(FILES).run(['exec', 'p'], { env })).code).toBe(0);
    const [key] = (await rig.keys()).filter((k) => k.startsWith('blob:'));
    if (key === undefined) throw new Error('no blob in the shared store');
    const stored = JSON.parse((await rig.getRaw(key)) ?? '') as { value: { j: string } };
    stored.value.j = JSON.stringify(Buffer.from('evil\n').toString('base64'));
    await rig.setRaw(key, JSON.stringify(stored));

    const second = rig.machine(FILES);
    const run = await second.run(['exec', 'p', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(outcomes(run.events)).toEqual({ make: 'ran' });
    expect(stageEnd(run.events, 'make')).toMatchObject({
      reason: 'output missing: out/double.txt',
      why: { reason: 'output-missing', path: 'out/double.txt' },
    });
    const warnings = run.events.flatMap((e) => (e.event === 'warning' ? [e.message] : []));
    expect(warnings).toEqual([
      `cannot restore out/double.txt: its blob is corrupt in the shared cache ${redact(rig.url())} ` +
        '(its content does not match its hash); running the stage instead',
    ]);
    expect(second.read('out/double.txt')).toBe('a\nb\na\nb\n');
  });
});
