// Two workspaces sharing one store (Redis, PostgreSQL): the second restores
// every stage the first ran, and runs none. Several stages start at once, so
// their first lookups race the connection (they used to miss with Redis:
// "The client is offline").
import { describe, expect, it } from 'vitest';
import { outcomes } from './rig.js';
import { SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
${['a', 'b', 'c', 'd']
  .map(
    (name) => `      ${name}:
        shell: "mkdir -p out && cat in.txt > out/${name}.txt && echo ${name} >> out/${name}.txt"
        inputs: [in.txt]
        outputs: [out/${name}.txt]`,
  )
  .join('\n')}
      records:
        run: records.mjs#records
        inputs: [out/a.txt, out/b.txt]
        needs: [a, b]
      join:
        shell: "cat out/c.txt out/d.txt > out/join.txt"
        inputs: [out/c.txt, out/d.txt]
        needs: [c, d, records]
        outputs: [out/join.txt]
`;
const MODULE = `import fs from 'node:fs';
export function records(ctx) {
  return ['a', 'b'].map((name) => ({ name, text: fs.readFileSync(ctx.workspace.resolve('out/' + name + '.txt'), 'utf8') }));
}
`;
const FILES = { 'pipelines.yaml': PIPELINE, 'records.mjs': MODULE, 'in.txt': 'shared\n' };

describe.each(SHARED_BACKENDS)('a second workspace sharing a cache in %s', (backend) => {
  const rig = sharedCacheRig(backend);

  it('restores every stage the first one ran, runs none, and warns of nothing', async () => {
    const env = { RUNNER_CACHE_URL: rig.url() };
    const first = rig.machine(FILES);
    const one = await first.run(['exec', 'p', '--json', '--jobs', '4'], { env });
    expect(one.code, one.stderr).toBe(0);
    expect(Object.values(outcomes(one.events))).toEqual(Array(6).fill('ran'));
    expect(one.stderr).not.toContain('warning');

    const second = rig.machine(FILES);
    const two = await second.run(['exec', 'p', '--json', '--jobs', '4'], { env });
    expect(two.code, two.stderr).toBe(0);
    expect(two.stderr).not.toContain('warning');
    expect(outcomes(two.events)).toEqual({
      a: 'restored',
      b: 'restored',
      c: 'restored',
      d: 'restored',
      records: 'cached',
      join: 'restored',
    });
    expect(second.read('out/join.txt')).toBe('shared\nc\nshared\nd\n');
  });
});
