// What a remote worker says to a batch it must not compute (refusalOf), and
// that the run knows those words for a refusal (isRefusal), so the stage
// fails at once instead of retrying: another runner version, a build of the
// same version that lays batches out another way (an older commit sends no
// wire number), other code for the stage, and other copies of the stage's
// declared inputs (its code reads them from the worker's checkout). A batch
// of its own build, code and inputs it takes.
import { describe, expect, it } from 'vitest';
import { BATCH_WIRE, isRefusal, refusalOf } from '../../src/engine/map/remote-protocol.js';

const own = { runner: '0.1.0', code: 'a'.repeat(64) };
const batch = {
  runner: '0.1.0',
  wire: BATCH_WIRE,
  code: own.code,
  context: { pipeline: 'p', stage: 's', params: {}, env: {}, outputs: [], code: own.code },
};

describe('refusalOf', () => {
  it('takes a batch of its own version, layout and code', () => {
    expect(refusalOf(batch, own)).toBeUndefined();
  });

  it('refuses another version, another layout of the same version, and other code, in words the run knows', () => {
    const version = refusalOf({ ...batch, runner: '0.0.9' }, own);
    expect(version).toMatch(/: runner 0\.1\.0 differs from the run's 0\.0\.9; install the run's version there/);
    const { wire: _wire, ...unnumbered } = batch;
    const layout = refusalOf(unnumbered, own);
    expect(layout).toMatch(
      new RegExp(`: runner 0\\.1\\.0\\+wire\\.${BATCH_WIRE} differs from the run's 0\\.1\\.0\\+wire\\.1; install`),
    );
    expect(refusalOf({ ...batch, wire: BATCH_WIRE + 1 }, own)).toContain(`+wire.${BATCH_WIRE + 1}`);
    const code = refusalOf({ ...batch, code: 'b'.repeat(64) }, own);
    expect(code).toContain("stage p/s code differs from the run's");
    for (const refusal of [version, layout, code]) expect(isRefusal(refusal ?? '')).toBe(true);
  });

  it("refuses a batch whose stage's declared inputs are not the worker's copies", () => {
    const inputs: [string, string][] = [
      ['table.txt', 'c'.repeat(64)],
      ['dir with space/b.txt', 'd'.repeat(64)],
    ];
    const withInputs = { ...batch, context: { ...batch.context, inputs } };
    const mine = new Map(inputs);
    expect(refusalOf(withInputs, { ...own, hashOf: (file) => mine.get(file) })).toBeUndefined();
    mine.set('dir with space/b.txt', 'e'.repeat(64));
    const edited = refusalOf(withInputs, { ...own, hashOf: (file) => mine.get(file) });
    expect(edited).toContain(
      "stage p/s input dir with space/b.txt differs from the run's — eeeeeeeeeeee vs dddddddddddd (worker vs run)",
    );
    const missing = refusalOf(withInputs, { ...own, hashOf: () => undefined });
    expect(missing).toContain("stage p/s input table.txt differs from the run's — missing vs cccccccccccc");
    for (const refusal of [edited, missing]) expect(isRefusal(refusal ?? '')).toBe(true);
  });
});
