// The batch wire between the main thread and a worker (batch-wire.ts): a
// batch's items as the bytes of their JSON lines, moved (not copied) to the
// worker and parsed back into the records they were, all at once or one at
// a time; an answer as the bytes of its output lines and raw results with
// three numbers per item, moved back and read into each item's lines,
// record count and raw result, with failures and refused caching kept at
// their items; results carried through JSON to and from a remote worker and
// back as the same bytes. A result from outside (a remote worker's) whose
// lines, count and bytes disagree is named for what is wrong with it.
import { describe, expect, it } from 'vitest';
import {
  AnswerBuilder,
  batchBlock,
  ownedUtf8,
  fromWire,
  transferable,
  itemResults,
  resultProblem,
  toWire,
} from '../../src/engine/map/batch-wire.js';
import type { WireResult } from '../../src/engine/map/batch-wire.js';
import { RecordBlock } from '../../src/engine/dataset-reader.js';

describe('batchBlock', () => {
  it('gives back the records of the lines, odd text included, all at once or each when asked', () => {
    const items = [{ id: 1 }, { text: 'a "quoted"\nline, with a comma' }, { name: 'é ✓ 😀' }, {}];
    const block = batchBlock(ownedUtf8(items.map((item) => `${JSON.stringify(item)}\n`).join('')), items.length);
    expect(block.records()).toEqual(items);
    expect([3, 0, 2, 1].map((n) => block.item(n))).toEqual([items[3], items[0], items[2], items[1]]);
    expect(batchBlock(ownedUtf8(''), 0).records()).toEqual([]);
  });

  it('names a count that does not match and an unended last line at once, a line that is not a record when it is read', () => {
    expect(() => batchBlock(ownedUtf8('{"a":1}\n'), 2)).toThrow('a batch of 2 items came with 1 lines');
    expect(() => batchBlock(ownedUtf8('{"a":1}\n{"b":2}'), 2)).toThrow(
      'a batch of 2 items came with its last line unended',
    );
    const block = batchBlock(ownedUtf8('{"a":1}\n[1,2]\n{"a":\n'), 3);
    expect(block.item(0)).toEqual({ a: 1 });
    expect(() => block.item(1)).toThrow('the batch:2: is not a record');
    expect(() => block.item(2)).toThrow(SyntaxError);
    expect(() => block.records()).toThrow('the batch:2: is not a record');
  });
});

describe('ownedUtf8 and transferable', () => {
  it("give a worker thread a batch's items without a copy, parsed back as they were", () => {
    const items = [{ id: 1 }, { text: 'a "quoted"\nline' }, { name: 'é ✓ 😀' }];
    const bytes = ownedUtf8(items.map((item) => `${JSON.stringify(item)}\n`).join(''));
    const moved = structuredClone(bytes, { transfer: transferable(bytes) });
    expect(bytes.length).toBe(0);
    expect(batchBlock(moved, items.length).records()).toEqual(items);
  });

  it('move nothing that is part of a larger memory (a pooled buffer, a view)', () => {
    expect(transferable(Buffer.from('{"a":1}\n'))).toEqual([]);
    expect(transferable(ownedUtf8('{"a":1}\n{"b":2}\n').subarray(8))).toEqual([]);
  });

  it('copy a block of records into bytes of their own, its last line ended', () => {
    const text = '{"a":1}\n{"b":"é"}';
    const source = Buffer.from(`xx${text}`).subarray(2);
    const block = new RecordBlock(source, Uint32Array.of(7, Buffer.byteLength(text)), 0, 'test');
    const lines = block.lines();
    expect(Buffer.from(lines).toString('utf8')).toBe(`${text}\n`);
    expect(transferable(lines)).toHaveLength(1);
    expect(batchBlock(lines, 2).records()).toEqual([{ a: 1 }, { b: 'é' }]);
  });
});

describe('AnswerBuilder and itemResults', () => {
  it("reads each item's lines and count back at its place, failures and all", () => {
    const answer = new AnswerBuilder(5);
    answer.add([{ id: 'a', n: 1 }], { isCacheable: true });
    answer.fail({ message: 'boom', stack: 'at x' });
    answer.add([], { isCacheable: true });
    answer.add([{ word: 'naïve ✓' }, { word: '😀' }], { raw: '{"v":[1,2]}', isCacheable: false });
    answer.add([{ id: 'e' }], { raw: 'null', isCacheable: true });
    const built = answer.finish();
    // As a worker thread sends it: the bytes and sizes moved, not copied.
    const wire = structuredClone(built, {
      transfer: [...transferable(built.bytes), built.sizes.buffer as ArrayBuffer],
    });
    expect(built.bytes.length).toBe(0);
    expect(built.sizes.length).toBe(0);
    const results = itemResults(wire, 5).map((result) => {
      if (!result.ok || !('out' in result)) return result;
      const decoded = { ...result, out: Buffer.from(result.out).toString('utf8') };
      if (result.raw !== undefined) decoded.raw = Buffer.from(result.raw).toString('utf8');
      return decoded;
    });
    expect(results).toEqual([
      { ok: true, out: '{"id":"a","n":1}\n', records: 1 },
      { ok: false, error: { message: 'boom', stack: 'at x' } },
      { ok: true, out: '', records: 0 },
      {
        ok: true,
        out: '{"word":"naïve ✓"}\n{"word":"😀"}\n',
        records: 2,
        raw: '{"v":[1,2]}',
        isCacheable: false,
      },
      { ok: true, out: '{"id":"e"}\n', records: 1, raw: 'null' },
    ]);
  });

  it('gives each answer memory of its own, however large, while reusing what it writes into', () => {
    const text = (n: number, size: number): string => `${n}`.padEnd(size, 'x');
    const builder = (size: number, count: number, raw: boolean): AnswerBuilder => {
      const answer = new AnswerBuilder(count);
      for (let n = 0; n < count; n++)
        answer.add([{ t: text(n, size) }], {
          raw: raw ? JSON.stringify(text(-n, size)) : undefined,
          isCacheable: true,
        });
      return answer;
    };
    const lines = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
    // Larger than the memory an answer starts with (64 KiB), lines and raw results alike.
    const first = builder(1000, 300, true).finish();
    const expected = lines(first.bytes);
    expect(expected.split('\n').length).toBe(301);
    // Later answers write into the memory the first one was built in: the first one's bytes stay as they were.
    for (let k = 0; k < 3; k++) builder(50, 10 + k, k % 2 === 0).finish();
    expect(lines(first.bytes)).toBe(expected);
    expect(first.bytes.byteOffset).toBe(0);
    expect(first.bytes.byteLength).toBe(first.bytes.buffer.byteLength);
    const results = itemResults(first, 300);
    expect(results.every((result) => result.ok)).toBe(true);
    const last = results[299] as { out: Uint8Array; raw: Uint8Array };
    expect(lines(last.out)).toBe(`${JSON.stringify({ t: text(299, 1000) })}\n`);
    expect(lines(last.raw)).toBe(JSON.stringify(text(-299, 1000)));
  });

  it('refuses an answer for another number of items, or whose sizes do not add up to its bytes', () => {
    const answer = new AnswerBuilder(1);
    answer.add([{ id: 'a' }], { isCacheable: true });
    const built = answer.finish();
    expect(() => itemResults(built, 2)).toThrow('a batch of 2 items was answered for 1');
    expect(() => itemResults({ ...built, sizes: Int32Array.of(1, 5, -1) }, 1)).toThrow(
      "a batch's answer said 5 bytes of lines and raw results and came with 11",
    );
  });

  it('is built for as many items as its batch has, no more and no fewer', () => {
    const answer = new AnswerBuilder(2);
    answer.add([{ id: 'a' }], { isCacheable: true });
    expect(() => answer.finish()).toThrow('a batch of 2 items answered for 1');
    answer.fail({ message: 'boom' });
    expect(() => answer.add([{ id: 'c' }], { isCacheable: true })).toThrow('a batch of 2 items answered for more');
    expect(itemResults(answer.finish(), 2).map((result) => result.ok)).toEqual([true, false]);
  });
});

/** An answer's results: two records with a raw result, none, a failure. */
function threeResults(): ReturnType<typeof itemResults> {
  const answer = new AnswerBuilder(3);
  answer.add([{ word: 'naïve ✓' }, { n: 1 }], { raw: '{}', isCacheable: false });
  answer.add([], { isCacheable: true });
  answer.fail({ message: 'boom' });
  return itemResults(answer.finish(), 3);
}

describe('toWire and fromWire', () => {
  it("carry an answer's results through JSON as text and back as the same bytes", () => {
    const results = threeResults();
    const wire = JSON.parse(JSON.stringify(toWire(results))) as WireResult[];
    expect(wire[0]).toEqual({
      ok: true,
      out: '{"word":"naïve ✓"}\n{"n":1}\n',
      records: 2,
      bytes: Buffer.byteLength('{"word":"naïve ✓"}\n{"n":1}\n'),
      raw: '{}',
      isCacheable: false,
    });
    const back = fromWire(wire);
    expect(back.map((r) => (r.ok && 'out' in r ? Buffer.from(r.out).toString('hex') : r))).toEqual(
      results.map((r) => (r.ok && 'out' in r ? Buffer.from(r.out).toString('hex') : r)),
    );
  });
});

describe('resultProblem', () => {
  it('passes every result an answer carries on the wire as', () => {
    for (const result of toWire(threeResults())) expect(resultProblem(result)).toBeUndefined();
  });

  it('names what is wrong with a result whose parts disagree', () => {
    const good = { ok: true, out: '{"a":"é"}\n', records: 1, bytes: 11 };
    expect(resultProblem(good)).toBeUndefined();
    expect(resultProblem(null)).toBe('not an object');
    expect(resultProblem({ ok: true, value: 1 })).toBe('neither lines nor a failure');
    expect(resultProblem({ ...good, records: 2 })).toBe('2 records in 1 lines');
    expect(resultProblem({ ...good, out: '{"a":1}\n{"b":2}' })).toBe('its last line has no newline');
    expect(resultProblem({ ...good, bytes: 10 })).toBe('10 bytes said, 11 sent');
    expect(resultProblem({ ...good, raw: 3 })).toBe('a raw result that is not text');
    expect(resultProblem({ ok: false, error: {} })).toBe('a failure without a message');
    expect(resultProblem({ ok: false, error: { message: 'x' } })).toBeUndefined();
  });
});
