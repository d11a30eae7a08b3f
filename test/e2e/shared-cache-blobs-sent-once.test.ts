// A rerun does not send the shared store the blobs this workspace sent it
// before and that it still holds: after one record of thousands changed,
// only the dataset chunks that changed are written. A blob that went missing
// from the store (evicted, cleared) is sent again.
import { describe, expect, it } from 'vitest';
import { SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    params: { mutate: -1 }
    stages:
      gen: { run: m.mjs#gen, params: [mutate] }
      keyed: { run: m.mjs#keyed, foreach: gen, batchSize: 500, cache: { scope: item } }
`;

const MODULE = `export function* gen(ctx) {
  for (let i = 0; i < 8000; i++)
    yield { id: 'r' + i, text: (i === ctx.params.mutate ? 'edited ' : 'record ') + i + ' ' + 'x'.repeat(200) };
}
export function keyed(record) {
  return { id: record.id, n: record.text.length };
}
`;

const SENTINEL = 'left as it was';

describe.each(SHARED_BACKENDS)('blobs shared in %s', (backend) => {
  const rig = sharedCacheRig(backend);

  it('are sent once: a rerun writes only the chunks that changed, and again one that went missing', async () => {
    const env = { RUNNER_CACHE_URL: rig.url() };
    const ws = rig.machine({ 'pipelines.yaml': PIPELINE, 'm.mjs': MODULE });
    const first = await ws.run(['exec', 'p'], { env });
    expect(first.code, first.stderr).toBe(0);
    const blobs = (await rig.keys()).filter((key) => key.startsWith('blob:'));
    expect(blobs.length).toBeGreaterThan(6);
    // Each blob's entry replaced by a value no runner writes: one sent again is overwritten.
    for (const key of blobs) await rig.setRaw(key, SENTINEL);
    const gone = blobs[0] as string;
    await rig.deleteRaw(gone);

    // Everything again (the same records): every blob was sent before; the missing one is sent again.
    const forced = await ws.run(['exec', 'p', '--force'], { env });
    expect(forced.code, forced.stderr).toBe(0);
    const values = async (keys: string[]): Promise<(string | undefined)[]> => Promise.all(keys.map(rig.getRaw));
    expect(await values(blobs)).toEqual(
      blobs.map((key) => (key === gone ? expect.not.stringMatching(SENTINEL) : SENTINEL)),
    );

    // One record changed: its chunks are new blobs, and no blob sent before is written again.
    const second = await ws.run(['exec', 'p', '--param', 'mutate=4000'], { env });
    expect(second.code, second.stderr).toBe(0);
    const added = (await rig.keys()).filter((key) => key.startsWith('blob:') && !blobs.includes(key));
    expect(added.length).toBeGreaterThan(0);
    expect((await values(blobs)).filter((value) => value === SENTINEL)).toHaveLength(blobs.length - 1);
  });
});
