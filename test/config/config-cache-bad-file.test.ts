// .runner/config.json that is the cache of this pipelines.yaml (its hash
// matches) but whose config is not the one written (edited, damaged: its
// checksum does not match), or that is not JSON or not a cache file: one
// message naming the file, then the slow path reads the YAML and rewrites
// the cache. A cache of another source or format is replaced without a word.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyse } from '../../src/engine/analyse.js';
import { lines, tempConfig } from './helpers.js';

const TEXT = lines(
  'version: 1',
  'pipelines:',
  '  p:',
  '    stages:',
  '      a: { shell: "echo a > a.txt", outputs: [a.txt] }',
  '      b: { shell: "cat a.txt > b.txt", needs: [a], outputs: [b.txt] }',
);

type Cache = {
  format: number;
  hash: string;
  sum: string;
  config: Record<string, unknown> & { pipelines: Record<string, never> };
};
type Stages = Record<string, Record<string, unknown>>;
const stagesOf = (cache: Cache): Stages => (cache.config.pipelines.p as unknown as { stages: Stages }).stages;

const EDITED = 'the config does not match its checksum (edited or damaged since it was written)';

const BAD: [string, (cache: Cache) => unknown, string][] = [
  [
    'needs: 5',
    (c) => {
      (stagesOf(c).b as Record<string, unknown>).needs = 5;
    },
    EDITED,
  ],
  [
    'pipelines null',
    (c) => {
      c.config.pipelines = null as never;
    },
    EDITED,
  ],
  [
    'config null',
    (c) => {
      c.config = null as never;
    },
    EDITED,
  ],
  [
    // Valid, but not what pipelines.yaml says: it must not run.
    'a shell command changed',
    (c) => {
      (stagesOf(c).a as Record<string, unknown>).shell = 'rm -rf data';
    },
    EDITED,
  ],
  ['no checksum', ({ sum: _sum, ...rest }) => rest, 'sum: expected a string, got nothing'],
  ['hash a number', (c) => ({ ...c, hash: 5 }), 'hash: expected a string, got 5'],
  ['an array', () => [], 'expected an object, got an array'],
];

describe('a bad .runner/config.json', () => {
  let remove: (() => void) | undefined;
  afterEach(() => remove?.());

  async function cachedWorkspace(): Promise<{ file: string; cacheFile: string; good: string }> {
    const config = tempConfig(TEXT);
    remove = config.remove;
    expect((await analyse({ file: config.file, env: {}, runnerVersion: 'test' })).ok).toBe(true);
    const cacheFile = path.join(config.dir, '.runner', 'config.json');
    return { file: config.file, cacheFile, good: fs.readFileSync(cacheFile, 'utf8') };
  }

  it.each(BAD)('%s: one message naming the file, then the YAML is read again', async (_name, edit, problem) => {
    const { file, cacheFile, good } = await cachedWorkspace();
    const cache = JSON.parse(good) as Cache;
    const replaced = edit(cache);
    fs.writeFileSync(cacheFile, JSON.stringify(replaced === undefined ? cache : replaced));

    const messages: string[] = [];
    const result = await analyse({ file, env: {}, runnerVersion: 'test', onBadFile: (m) => messages.push(m) });
    expect(result.ok).toBe(true);
    if (result.ok) expect([...(result.analysis.plan.pipelines.get('p')?.stages.keys() ?? [])]).toEqual(['a', 'b']);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.startsWith(`${cacheFile}: ${problem}`), messages[0]).toBe(true);
    expect(messages[0]?.endsWith('; ignoring it')).toBe(true);
    // Rewritten by the slow path: the next analysis takes the fast path again, without a word.
    expect(fs.readFileSync(cacheFile, 'utf8')).toBe(good);
    const again: string[] = [];
    expect((await analyse({ file, env: {}, runnerVersion: 'test', onBadFile: (m) => again.push(m) })).ok).toBe(true);
    expect(again).toEqual([]);
  });

  it('that is not JSON: the same', async () => {
    const { file, cacheFile, good } = await cachedWorkspace();
    fs.writeFileSync(cacheFile, good.slice(0, 30));
    const messages: string[] = [];
    expect((await analyse({ file, env: {}, runnerVersion: 'test', onBadFile: (m) => messages.push(m) })).ok).toBe(true);
    expect(messages).toEqual([expect.stringMatching(new RegExp(`^${cacheFile}: not JSON \\(.*\\); ignoring it$`))]);
    expect(fs.readFileSync(cacheFile, 'utf8')).toBe(good);
  });

  it.each([
    ['another source (a stale hash)', (c: Cache) => ({ ...c, hash: 'other', config: null })],
    ["another runner's format", (c: Cache) => ({ format: 1, hash: c.hash, config: null })],
  ])('of %s is replaced without a word', async (_name, edit) => {
    const { file, cacheFile, good } = await cachedWorkspace();
    fs.writeFileSync(cacheFile, JSON.stringify(edit(JSON.parse(good) as Cache)));
    const messages: string[] = [];
    expect((await analyse({ file, env: {}, runnerVersion: 'test', onBadFile: (m) => messages.push(m) })).ok).toBe(true);
    expect(messages).toEqual([]);
    expect(fs.readFileSync(cacheFile, 'utf8')).toBe(good);
  });

  it('as written is taken whole, without a word (the fast path)', async () => {
    const { file, cacheFile, good } = await cachedWorkspace();
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(cacheFile, past, past);
    const { mtimeMs } = fs.statSync(cacheFile);
    const messages: string[] = [];
    expect((await analyse({ file, env: {}, runnerVersion: 'test', onBadFile: (m) => messages.push(m) })).ok).toBe(true);
    expect(messages).toEqual([]);
    // Not rewritten: the slow path was not taken.
    expect(fs.statSync(cacheFile).mtimeMs).toBe(mtimeMs);
    expect(fs.readFileSync(cacheFile, 'utf8')).toBe(good);
  });
});
