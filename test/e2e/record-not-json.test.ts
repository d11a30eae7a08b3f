// A record whose JSON is no object (its toJSON() returns undefined, or a
// string as a Date's does; a boxed string), that it writes as {} though it
// holds something (a Promise: an await missing; a Map; a generator), or that JSON cannot write (a BigInt) fails the
// stage or item that produced it, saying why: it is never written as a
// dataset line that only the stage reading it finds broken. In a worker
// pool the item fails alone; the batch's other items keep their results.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `export function gen(ctx) {
  if (ctx.params.kind === 'undefined') return [{ a: 1 }, { toJSON() { return undefined; } }];
  if (ctx.params.kind === 'date') return [{ a: 1 }, new Date(0)];
  if (ctx.params.kind === 'boxed') return [{ a: 1 }, new String('text')];
  if (ctx.params.kind === 'null') return [{ a: 1 }, null];
  if (ctx.params.kind === 'promise') return [1, 2].map(async (i) => ({ id: i }));
  if (ctx.params.kind === 'map') return [{ a: 1 }, new Map([['a', 1]])];
  if (ctx.params.kind === 'generator') return [(function* () { yield { a: 1 }; })()];
  return [{ a: 1 }, { b: 2 }];
}
export async function use(ctx) {
  const out = [];
  for await (const record of ctx.upstream('gen')) out.push(record);
  return [{ n: out.length }];
}
export function* items() { for (let i = 0; i < 4; i++) yield { id: 'i' + i }; }
export function odd(item) {
  if (item.id === 'i1') return new Date(0);
  if (item.id === 'i2') return { n: 1n };
  return { id: item.id };
}
`;

const PIPELINES = (isolate: string): string => `version: 1
pipelines:
  t:
    params: { kind: good }
    stages:
      gen: { run: m.mjs#gen, params: [kind] }
      use: { run: m.mjs#use, needs: [gen] }
  m:
    stages:
      items: { run: m.mjs#items }
      odd: { run: m.mjs#odd, foreach: items, isolate: ${isolate}, batchSize: 4 }
`;

describe('a record that is not a JSON object', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each([
    [
      'undefined',
      /^m\.mjs#gen produced a record that is not JSON: it is written as nothing \(its toJSON\(\) returned undefined\) \(its record 2, counting from 1\)$/,
    ],
    [
      'date',
      /^m\.mjs#gen produced a record that is not JSON: it is written as "1970-01-01T00:00:00\.000Z", not as an object \(its record 2, counting from 1\)$/,
    ],
    [
      'boxed',
      /^m\.mjs#gen produced a record that is not JSON: it is written as "text", not as an object \(its record 2, counting from 1\)$/,
    ],
    ['null', /^m\.mjs#gen produced null, not a record \(a JSON object\) \(its record 2, counting from 1\)$/],
    [
      'promise',
      /^m\.mjs#gen produced a record that is not JSON: it is a Promise \(an await missing\?\), which JSON writes as \{\} \(its record 1, counting from 1\)$/,
    ],
    [
      'map',
      /^m\.mjs#gen produced a record that is not JSON: it is a Map, which JSON writes as \{\} \(its record 2, counting from 1\)$/,
    ],
    [
      'generator',
      /^m\.mjs#gen produced a record that is not JSON: it is an iterator \(a generator\?\), which JSON writes as \{\} \(its record 1, counting from 1\)$/,
    ],
  ])('fails the task that produced it (%s), and nothing of it is cached', async (kind, reason) => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', PIPELINES('inline'));
    for (let attempt = 0; attempt < 2; attempt++) {
      const run = await ws.run(['exec', 't', '--param', `kind=${kind}`, '--json']);
      expect(run.code).toBe(1);
      expect(stageEnd(run.events, 'gen').outcome).toBe('failed');
      expect(stageEnd(run.events, 'gen').reason).toMatch(reason);
      expect(stageEnd(run.events, 'use').outcome).toBe('blocked');
    }
    const good = await ws.run(['exec', 't', '--json']);
    expect(good.code, good.stderr).toBe(0);
  });

  for (const isolate of ['inline', 'worker']) {
    it(`fails the map item that produced it, with its identity, and no other (isolate: ${isolate})`, async () => {
      ws = new Workspace();
      ws.write('m.mjs', MODULE);
      ws.write('pipelines.yaml', PIPELINES(isolate));
      const run = await ws.run(['exec', 'm', '--json']);
      expect(run.code).toBe(1);
      const end = stageEnd(run.events, 'odd');
      expect(end.items).toEqual({ total: 4, done: 2, cached: 0, failed: 2 });
      expect(end.reason).toMatch(
        /^2 items failed; first: id=i1: produced a record that is not JSON: it is written as "1970-01-01T00:00:00\.000Z", not as an object/,
      );
      expect(run.stderr).toMatch(
        /item id=i2 failed: produced a record that is not JSON: Do not know how to serialize a BigInt\n/,
      );
    });
  }
});
