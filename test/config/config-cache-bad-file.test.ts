// .runner/config.json that is the cache of this pipelines.yaml (its hash
// matches) but holds no valid config, or is not JSON: one message naming
// the file, then the slow path reads the YAML and rewrites the cache. A
// cache of another source (a stale hash) is replaced without a word.
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

type Cache = { format: number; hash: string; config: Record<string, unknown> & { pipelines: Record<string, never> } };
type Stages = Record<string, Record<string, unknown>>;
const stagesOf = (cache: Cache): Stages => (cache.config.pipelines.p as unknown as { stages: Stages }).stages;

const BAD: [string, (cache: Cache) => unknown, string][] = [
  [
    'needs: 5',
    (c) => {
      (stagesOf(c).b as Record<string, unknown>).needs = 5;
    },
    'config.pipelines.p.stages.b.needs must be a list of stage names',
  ],
  [
    'needs naming no stage',
    (c) => {
      (stagesOf(c).b as Record<string, unknown>).needs = ['zz'];
    },
    'config.pipelines.p.stages.b.needs[0] names no stage "zz" of pipeline p',
  ],
  [
    'pipelines null',
    (c) => {
      c.config.pipelines = null as never;
    },
    'config.pipelines must be',
  ],
  [
    'config null',
    (c) => {
      c.config = null as never;
    },
    'config must be',
  ],
  [
    'a stage of no known kind',
    (c) => {
      stagesOf(c).a = { outputs: ['a.txt'] };
    },
    'config.pipelines.p.stages.a needs run',
  ],
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

  it('of another source or runner (a stale hash) is replaced without a word', async () => {
    const { file, cacheFile, good } = await cachedWorkspace();
    const cache = JSON.parse(good) as Cache;
    fs.writeFileSync(cacheFile, JSON.stringify({ ...cache, hash: 'other', config: null }));
    const messages: string[] = [];
    expect((await analyse({ file, env: {}, runnerVersion: 'test', onBadFile: (m) => messages.push(m) })).ok).toBe(true);
    expect(messages).toEqual([]);
    expect(fs.readFileSync(cacheFile, 'utf8')).toBe(good);
  });
});
