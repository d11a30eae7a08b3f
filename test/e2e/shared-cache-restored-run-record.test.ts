// A run that restored its stages from the shared store (reason
// `found-in-cache`) leaves a run record that reads back: `runner cache stats`
// and `runner report` use it without calling it malformed.
import { describe, expect, it } from 'vitest';
import { outcomes } from './rig.js';
import { oneStageFiles, SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const FILES = oneStageFiles();

describe.each(SHARED_BACKENDS)('the run record of a run restored from %s', (backend) => {
  const rig = sharedCacheRig(backend);

  it('is read back by cache stats and report', async () => {
    const env = { RUNNER_CACHE_URL: rig.url() };
    expect((await rig.machine(FILES).run(['exec', 'p'], { env })).code).toBe(0);
    const second = rig.machine(FILES);
    const run = await second.run(['exec', 'p', '--json'], { env });
    expect(outcomes(run.events)).toEqual({ make: 'restored' });

    const stats = await second.run(['cache', 'stats'], { env });
    expect(stats.stderr).toBe('');
    expect(stats.stdout).toMatch(/^last run: \d{8}T\d{9}Z-\w{4}: 1 hits, 0 misses \(hit rate 100\.0%\)$/m);
    const report = await second.run(['report', '-o', 'report.html'], { env });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).toBe('');
    expect(second.read('report.html')).toContain('found in the cache');
  });
});
