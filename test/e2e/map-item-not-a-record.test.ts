// A map item that produces something other than records fails with its
// identity and what it produced, inline and in a worker pool alike; an
// item with nothing that names it, by its position.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `export function* items() { for (let i = 0; i < 4; i++) yield { id: 'i' + i }; }
export function* numbers() { for (let i = 0; i < 4; i++) yield { n: i }; }
export const second = (item) => (item.n === 2 ? 'just text' : { n: item.n });
export function odd(item) {
  if (item.id === 'i2') return 'just text';
  if (item.id === 'i3') return [{ ok: true }, [1, 2]];
  return { id: item.id };
}
`;

describe('a map item that produces no record', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  for (const isolate of ['inline', 'worker']) {
    it(`fails with its identity (isolate: ${isolate})`, async () => {
      ws = new Workspace();
      ws.write('m.mjs', MODULE);
      ws.write(
        'pipelines.yaml',
        `version: 1\npipelines:\n  p:\n    stages:\n      items: { run: m.mjs#items }\n      odd: { run: m.mjs#odd, foreach: items, isolate: ${isolate}, batchSize: 4 }\n`,
      );
      const run = await ws.run(['exec', 'p', '--json']);
      expect(run.code).toBe(1);
      const end = stageEnd(run.events, 'odd');
      expect(end.items).toEqual({ total: 4, done: 2, cached: 0, failed: 2 });
      expect(end.reason).toMatch(/^2 items failed; first: id=i2: produced string, not a record$/);
      expect(run.stderr).toMatch(/item id=i3 failed: produced a nested array, not a record\n/);
    });
  }

  it('names an item with no id, path, key, name or file by its position, once', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      'version: 1\npipelines:\n  p:\n    stages:\n      numbers: { run: m.mjs#numbers }\n      second: { run: m.mjs#second, foreach: numbers }\n',
    );
    const run = await ws.run(['exec', 'p']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/p\/second \| item #2 failed: produced string, not a record\n/);
    expect(run.stderr).not.toContain('item item');
  });
});
