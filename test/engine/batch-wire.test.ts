// The batch wire between the main thread and a worker (batch-wire.ts): a
// batch's items as one text of JSON lines, parsed back into the records they
// were; an answer as one text of output lines and three numbers per item,
// read back into each item's lines, record count and UTF-8 bytes, with
// failures, raw results and refused caching kept at their items.
import { describe, expect, it } from 'vitest';
import { AnswerBuilder, itemResults, parseItems } from '../../src/engine/map/batch-wire.js';

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
