// A block's outcome puts its fresh items' lines one after another in one
// buffer: the very bytes of a worker's answer when the block was computed
// in one batch (no copy), else each item's lines copied or encoded in item
// order; linesOf(i) is item i's part of it, cached and failed items having
// none.
import { describe, expect, it } from 'vitest';
import { AnswerBuilder, itemResults } from '../../src/engine/map/batch-wire.js';
import { BlockOutcome } from '../../src/engine/map/block-outcome.js';
import type { ItemBlock } from '../../src/engine/map/item-source.js';
import type { LinesResult } from '../../src/engine/map/pool.js';

function block(count: number): ItemBlock {
  const never = (): never => {
    throw new Error('not read here');
  };
  return { firstIndex: 10, count, blockIdentity: never, itemIdentity: never, itemText: never, item: never };
}

const fresh = { isRecorded: true, isCached: false };
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('BlockOutcome.seal', () => {
  it("keeps a worker's answer as the block's lines when the block's items lie in it in order", () => {
    const answer = new AnswerBuilder(3);
    answer.add([{ a: 'é' }], { isCacheable: true });
    answer.add([], { isCacheable: true });
    answer.add([{ b: 1 }, { c: 2 }], { isCacheable: true });
    const built = answer.finish();
    const results = itemResults(built, 3) as LinesResult[];
    const outcome = new BlockOutcome(block(3));
    for (const [i, result] of results.entries()) outcome.produced(i, result.out, result.records, fresh);
    outcome.seal();
    expect(outcome.lines.buffer).toBe(built.bytes.buffer);
    expect(text(outcome.lines)).toBe('{"a":"é"}\n{"b":1}\n{"c":2}\n');
    expect([0, 1, 2].map((i) => text(outcome.linesOf(i)))).toEqual(['{"a":"é"}\n', '', '{"b":1}\n{"c":2}\n']);
  });

  it("copies text, other answers' bytes and gaps into one buffer in item order", () => {
    const first = new AnswerBuilder(2);
    first.add([{ late: '✓' }], { isCacheable: true });
    const second = new AnswerBuilder(1);
    second.add([{ early: 1 }], { isCacheable: true });
    first.add([{ kept: 1 }], { raw: '{"r":1}', isCacheable: true });
    const [late, kept] = itemResults(first.finish(), 2) as LinesResult[];
    const [early] = itemResults(second.finish(), 1) as LinesResult[];
    const outcome = new BlockOutcome(block(6));
    outcome.produced(4, (late as LinesResult).out, 1, fresh);
    outcome.produced(5, (kept as LinesResult).out, 1, { ...fresh, raw: (kept as LinesResult).raw });
    outcome.found(1, 7);
    outcome.produced(0, (early as LinesResult).out, 1, fresh);
    outcome.produced(2, '{"here":"😀"}\n', 1, { isRecorded: true, isCached: true });
    outcome.failed(3, 'item 14', 'boom');
    outcome.seal();
    expect(text(outcome.lines)).toBe('{"early":1}\n{"here":"😀"}\n{"late":"✓"}\n{"kept":1}\n');
    // Copied out of its answer, which the block then no longer holds.
    const raw = outcome.raws?.[5] as Uint8Array;
    expect(text(raw)).toBe('{"r":1}');
    expect(raw.buffer).not.toBe((kept as LinesResult).out.buffer);
    expect([0, 2, 4].map((i) => text(outcome.linesOf(i)))).toEqual([
      '{"early":1}\n',
      '{"here":"😀"}\n',
      '{"late":"✓"}\n',
    ]);
    expect([0, 1, 2, 3, 4, 5].map((i) => outcome.hasLines(i))).toEqual([true, false, true, false, true, true]);
    expect(outcome.bytes[2]).toBe(Buffer.byteLength('{"here":"😀"}\n'));
  });
});
