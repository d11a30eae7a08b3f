// match on the fixture shop: each task's nearest chunks are the code it is
// about, at most k of them in descending order, plus the best chunk of each
// file it links to; the files and terms it names are found (or not) where
// they are; vectors of another embedder are refused.
import { describe, expect, it } from 'vitest';
import { matchBatch } from '../../runners/boardrev/match.js';
import { fakeContext, fixtureIndex, fixtureMatches, fixtureTasks, params } from './helpers.js';

describe('top-k matching', () => {
  it('ranks the chunk of the code a task is about first', async () => {
    const matches = await fixtureMatches();
    const top = Object.fromEntries(matches.map((m) => [m.id, m.matches[0]?.path]));
    expect(top).toEqual({
      'cart-total': 'src/cart.ts',
      inventory: 'src/inventory.ts',
      refunds: 'src/payment.ts',
      shipping: expect.any(String),
    });
  });

  it('keeps at most k chunks by cosine, best first', async () => {
    for (const k of [1, 3]) {
      for (const match of await fixtureMatches({ k })) {
        const similar = match.matches.filter((m) => m.via === 'similar');
        expect(similar).toHaveLength(k);
        const scores = similar.map((m) => m.score);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
      }
    }
  });

  it('adds the best chunk of a linked file that is not among the top k', async () => {
    const [task] = fixtureTasks();
    if (!task) throw new Error('no fixture task');
    const body = 'The cart total, its line items and the discount. Unrelated: [stock](../../src/inventory.ts).\n';
    const ctx = fakeContext({ params: params({ k: 1 }), upstream: { index: await fixtureIndex() } });
    const [match] = await matchBatch([{ ...task, title: 'Cart total', body }], ctx);
    expect(match?.matches.map((m) => [m.path, m.via])).toEqual([
      ['src/cart.ts', 'similar'],
      ['src/inventory.ts', 'link'],
    ]);
    expect(match?.files).toEqual([{ path: 'src/inventory.ts', via: 'link', state: 'found' }]);
  });

  it('finds named terms where they are declared, and reports the missing ones', async () => {
    const byId = new Map((await fixtureMatches()).map((m) => [m.id, m]));
    expect(byId.get('cart-total')?.terms).toEqual([
      { term: 'Cart', found: true, path: 'src/cart.ts', line: 8, defined: true },
      { term: 'addItem', found: true, path: 'src/cart.ts', line: 12, defined: true },
      { term: 'cartTotal', found: true, path: 'src/cart.ts', line: 24, defined: true },
    ]);
    expect(byId.get('shipping')?.terms).toEqual([
      { term: 'estimateShipping', found: false, path: null, line: null, defined: false },
      { term: 'SHIPPING_FREE_ABOVE', found: false, path: null, line: null, defined: false },
    ]);
  });

  it('tells a missing source file from one outside the indexed sources', async () => {
    const [task] = fixtureTasks();
    if (!task) throw new Error('no fixture task');
    const body = 'See `src/gone.ts`, `package.json`, `examples/board/other.md` and `src/cart.ts`.\n';
    const [match] = await matchBatch([{ ...task, body }], fakeContext({ upstream: { index: await fixtureIndex() } }));
    expect(match?.files).toEqual([
      { path: 'src/gone.ts', via: 'mention', state: 'missing' },
      { path: 'package.json', via: 'mention', state: 'outside' },
      { path: 'examples/board/other.md', via: 'mention', state: 'outside' },
      { path: 'src/cart.ts', via: 'mention', state: 'found' },
    ]);
  });

  it('refuses an index embedded by another embedder', async () => {
    const chunks = (await fixtureIndex()).map((c) => ({ ...c, embedder: 'ollama:other:768' }));
    await expect(
      matchBatch(fixtureTasks(), fakeContext({ params: params(), upstream: { index: chunks } })),
    ).rejects.toThrow(/the index was embedded by ollama:other:768 but the tasks by local:text-hash-v1:512/);
  });
});
