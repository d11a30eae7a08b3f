// The batch wire between the main thread and a worker (batch-wire.ts): a
// batch's items as one text of JSON lines, parsed back into the records they
// were; an answer as one text of output lines and three numbers per item,
// read back into each item's lines, record count and UTF-8 bytes, with
// failures, raw results and refused caching kept at their items. A result
// from outside (a remote worker's) whose lines, count and bytes disagree is
// named for what is wrong with it.
import { describe, expect, it } from 'vitest';
import { AnswerBuilder, itemResults, parseItems, resultProblem } from '../../src/engine/map/batch-wire.js';

describe('parseItems', () => {
  it('gives back the records of the lines, odd text included', () => {
    const items = [{ id: 1 }, { text: 'a "quoted"\nline, with a comma' }, { name: 'é ✓ 😀' }, {}];
    const text = items.map((item) => `${JSON.stringify(item)}\n`).join('');
    expect(parseItems(text, items.length)).toEqual(items);
    expect(parseItems('', 0)).toEqual([]);
  });

  it('names a line that is not a record, and a count that does not match', () => {
    expect(() => parseItems('{"a":1}\n[1,2]\n', 2)).toThrow('item 2 of the batch is not a record');
    expect(() => parseItems('{"a":1}\n{"a":\n', 2)).toThrow(SyntaxError);
    expect(() => parseItems('{"a":1}\n', 2)).toThrow('a batch of 2 items came with 1 lines');
  });
});

describe('AnswerBuilder and itemResults', () => {
  it("reads each item's lines, count and bytes back at its place, failures and all", () => {
    const answer = new AnswerBuilder();
    answer.add([{ id: 'a', n: 1 }], { isCacheable: true });
    answer.fail({ message: 'boom', stack: 'at x' });
    answer.add([], { isCacheable: true });
    answer.add([{ word: 'naïve ✓' }, { word: '😀' }], { raw: '{"v":[1,2]}', isCacheable: false });
    answer.add([{ id: 'e' }], { raw: 'null', isCacheable: true });
    const wire = structuredClone(answer.finish());
    const results = itemResults(wire, 5);
    expect(results).toEqual([
      { ok: true, out: '{"id":"a","n":1}\n', records: 1, bytes: 17 },
      { ok: false, error: { message: 'boom', stack: 'at x' } },
      { ok: true, out: '', records: 0, bytes: 0 },
      {
        ok: true,
        out: '{"word":"naïve ✓"}\n{"word":"😀"}\n',
        records: 2,
        bytes: Buffer.byteLength('{"word":"naïve ✓"}\n{"word":"😀"}\n'),
        raw: '{"v":[1,2]}',
        isCacheable: false,
      },
      { ok: true, out: '{"id":"e"}\n', records: 1, bytes: 11, raw: 'null' },
    ]);
  });

  it('refuses an answer for another number of items', () => {
    const answer = new AnswerBuilder();
    answer.add([{ id: 'a' }], { isCacheable: true });
    expect(() => itemResults(answer.finish(), 2)).toThrow('a batch of 2 items was answered for 1');
  });
});

describe('resultProblem', () => {
  it('passes every result an answer reads back as', () => {
    const answer = new AnswerBuilder();
    answer.add([{ word: 'naïve ✓' }, { n: 1 }], { raw: '{}', isCacheable: false });
    answer.add([], { isCacheable: true });
    answer.fail({ message: 'boom' });
    for (const result of itemResults(answer.finish(), 3)) expect(resultProblem(result)).toBeUndefined();
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
