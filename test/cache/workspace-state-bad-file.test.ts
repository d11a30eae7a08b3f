// .runner/state.json that is not a workspace state (not JSON, or JSON of
// the wrong shape): the state starts empty, with one message naming the
// file and what is wrong; never a TypeError later in the run. Another
// runner's format is not damage: it is skipped without a word.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkspaceState } from '../../src/cache/state.js';
import type { StageRecord } from '../../src/cache/state.js';
import { tempDir } from './helpers.js';

const RECORD: StageRecord = {
  fingerprint: 'f1',
  outputFingerprint: 'o1',
  manifest: 'f1',
  outputs: [{ path: 'out.txt', hash: 'h1', size: 3, mode: 0o100644 }],
  createdAt: 1,
  durationMs: 2,
};

const withRecord = (patch: Record<string, unknown>): string =>
  JSON.stringify({ format: 1, stages: { 'p/a': RECORD, 'p/b': { ...RECORD, ...patch } } });

const BAD: [string, string, string][] = [
  ['stages null', '{"format":1,"stages":null}', 'stages: expected an object, got null'],
  ['outputs null', withRecord({ outputs: null }), 'stages["p/b"].outputs: expected an array, got null'],
  [
    'an output without its hash',
    withRecord({ outputs: [{ path: 'x', size: 1, mode: 1 }] }),
    'stages["p/b"].outputs[0].hash: expected a string, got nothing',
  ],
  [
    'a fingerprint that is a number',
    withRecord({ fingerprint: 5 }),
    'stages["p/b"].fingerprint: expected a string, got 5',
  ],
  [
    'items of the wrong shape',
    withRecord({ items: { total: 1 } }),
    'stages["p/b"].items.done: expected a number, got nothing',
  ],
  ['no format', '{"stages":{}}', 'format: expected a number, got nothing'],
  ['an array', '[1,2]', 'expected an object, got an array'],
  ['null', 'null', 'expected an object, got null'],
  ['cut short', withRecord({}).slice(0, 40), 'not JSON ('],
];

function stateFile(content: string): string {
  const file = path.join(tempDir(), 'state.json');
  fs.writeFileSync(file, content);
  return file;
}

describe('a bad .runner/state.json', () => {
  it.each(BAD)('%s: starts empty, with one message naming the file', (_name, content, problem) => {
    const file = stateFile(content);
    const messages: string[] = [];
    const state = new WorkspaceState(file, { onBadFile: (m) => messages.push(m) });
    expect(state.records()).toEqual([]);
    expect(state.get('p/a')).toBeUndefined();
    expect(messages).toHaveLength(1);
    expect(messages[0]?.startsWith(`${file}: ${problem}`)).toBe(true);
    expect(messages[0]?.endsWith('; ignoring it')).toBe(true);

    // The next save replaces it with a good one.
    state.set('p/a', RECORD);
    state.save();
    const again: string[] = [];
    expect(new WorkspaceState(file, { onBadFile: (m) => again.push(m) }).get('p/a')).toEqual(RECORD);
    expect(again).toEqual([]);
  });

  it("another runner's format is skipped without a message", () => {
    const messages: string[] = [];
    const state = new WorkspaceState(stateFile('{"format":2,"stages":[["p/a",1]]}'), {
      onBadFile: (m) => messages.push(m),
    });
    expect(state.records()).toEqual([]);
    expect(messages).toEqual([]);
  });

  it('a good file loads every record, optional fields and all', () => {
    const full: StageRecord = {
      ...RECORD,
      dataset: { hash: 'd', count: 3 },
      items: { total: 3, done: 3, cached: 1, failed: 0 },
      itemManifest: { scope: 's', manifest: 'm' },
    };
    const messages: string[] = [];
    const file = stateFile(JSON.stringify({ format: 1, stages: { 'p/a': RECORD, 'p/b': full } }));
    const state = new WorkspaceState(file, { onBadFile: (m) => messages.push(m) });
    expect(state.get('p/b')).toEqual(full);
    expect(state.records()).toHaveLength(2);
    expect(messages).toEqual([]);
  });
});
