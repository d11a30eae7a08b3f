// The fingerprint is a value: canonical JSON (key order never matters), the
// performance knobs are not in it, secret env values only as hashes.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest, CACHE_FORMAT, fingerprintOf } from '../../src/cache/fingerprint.js';
import type { Manifest } from '../../src/cache/fingerprint.js';
import { PASS_THROUGH } from '../../src/config/environment.js';
import type { StageDefinition } from '../../src/config/types.js';
import { analyse } from '../../src/engine/analyse.js';
import { canonicalJson, sha256 } from '../../src/util/hash.js';
import { put, tempDir } from './helpers.js';

/** The planned definition of stage `s` of pipeline `p` in this YAML. */
async function definitionOf(yaml: string, env: Record<string, string> = {}): Promise<StageDefinition> {
  const root = tempDir();
  put(root, 'pipelines.yaml', yaml);
  const result = await analyse({ file: path.join(root, 'pipelines.yaml'), env, runnerVersion: 'test', isFresh: true });
  if (!result.ok) throw new Error(`invalid test config: ${JSON.stringify(result.diagnostics)}`);
  const stage = result.analysis.plan.pipelines.get('p')?.stages.get('s');
  if (!stage) throw new Error('no stage p/s');
  return stage.definition;
}

function manifestOf(definition: StageDefinition): Manifest {
  return buildManifest({ definition, code: [], inputs: [['in/a.txt', sha256('a')]], needs: {} });
}

async function keyOf(stageYaml: string, env: Record<string, string> = {}, defaults = ''): Promise<string> {
  return fingerprintOf(
    manifestOf(await definitionOf(`version: 1\n${defaults}pipelines:\n  p:\n    stages:\n      s:\n${stageYaml}`, env)),
  );
}

const BASE = `        shell: "cat in/*.txt > out.txt"
        inputs: ["in/*.txt"]
        outputs: [out.txt]
`;

describe('fingerprint: canonical form', () => {
  it('does not depend on the order of keys in params, env or the manifest', async () => {
    const a = await keyOf(
      `${BASE}        params: { alpha: 1, beta: { x: 1, y: [1, 2] } }\n        env: { A: "1", B: "2" }\n`,
    );
    const b = await keyOf(
      `${BASE}        env: { B: "2", A: "1" }\n        params: { beta: { y: [1, 2], x: 1 }, alpha: 1 }\n`,
    );
    expect(a).toBe(b);

    const manifest = manifestOf(await definitionOf(`version: 1\npipelines:\n  p:\n    stages:\n      s:\n${BASE}`));
    const reversed = Object.fromEntries(Object.entries(manifest).reverse()) as unknown as Manifest;
    expect(fingerprintOf(reversed)).toBe(fingerprintOf(manifest));
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
  });

  it('carries the cache-format version', async () => {
    const manifest = manifestOf(await definitionOf(`version: 1\npipelines:\n  p:\n    stages:\n      s:\n${BASE}`));
    expect(manifest.format).toBe(CACHE_FORMAT);
    expect(fingerprintOf({ ...manifest, format: CACHE_FORMAT + 1 })).not.toBe(fingerprintOf(manifest));
  });
});

describe('fingerprint: what is not in it', () => {
  it('ignores every performance knob, on the stage and in defaults', async () => {
    const base = await keyOf(BASE);
    const knobs = [
      '        concurrency: 16\n',
      '        batchSize: 7\n',
      '        stream: true\n',
      '        isolate: process\n',
      '        warm: true\n',
      '        maxMemory: 512\n',
      '        timeout: 5m\n',
      '        retries: 3\n',
    ];
    for (const knob of knobs) expect(await keyOf(BASE + knob), knob).toBe(base);
    expect(
      await keyOf(BASE, {}, 'defaults:\n  concurrency: 1\n  batchSize: 3\n  retries: 2\n  timeout: 1s\n  warm: true\n'),
    ).toBe(base);
  });

  it('ignores cache bookkeeping: ttl and compress', async () => {
    const base = await keyOf(BASE);
    expect(await keyOf(`${BASE}        cache: { ttl: 1h }\n`)).toBe(base);
    expect(await keyOf(`${BASE}        cache: { compress: true }\n`)).toBe(base);
  });
});

describe('fingerprint: what is in it', () => {
  it('changes with the command, the input patterns, the outputs, params, env and cache.version', async () => {
    const base = await keyOf(BASE);
    const variants = [
      BASE.replace('cat in', 'cat -n in'),
      BASE.replace('["in/*.txt"]', '["in/**/*.txt"]'),
      BASE.replace('[out.txt]', '[out2.txt]'),
      `${BASE}        params: { k: 1 }\n`,
      `${BASE}        env: { MODE: fast }\n`,
      `${BASE}        cache: { version: 2 }\n`,
    ];
    const keys = await Promise.all(variants.map((v) => keyOf(v)));
    for (const key of keys) expect(key).not.toBe(base);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('changes with input contents and upstream fingerprints, given as data', async () => {
    const definition = await definitionOf(`version: 1\npipelines:\n  p:\n    stages:\n      s:\n${BASE}`);
    const key = (inputs: [string, string][], needs: Record<string, string>) =>
      fingerprintOf(buildManifest({ definition, code: [], inputs, needs }));
    const base = key([['in/a.txt', 'h1']], {});
    expect(key([['in/a.txt', 'h2']], {})).not.toBe(base);
    expect(
      key(
        [
          ['in/a.txt', 'h1'],
          ['in/b.txt', 'h1'],
        ],
        {},
      ),
    ).not.toBe(base);
    expect(key([['in/a.txt', 'h1']], { up: 'x' })).not.toBe(base);
    expect(key([['in/a.txt', 'h1']], {})).toBe(base);
  });
});

describe('fingerprint: the environment', () => {
  it("holds passEnv values, and a shell stage's pass-through names without their values", async () => {
    const passing = `${BASE}        passEnv: [FOO]\n`;
    expect(await keyOf(passing, { FOO: '1' })).not.toBe(await keyOf(passing, { FOO: '2' }));
    expect(await keyOf(passing, {})).not.toBe(await keyOf(passing, { FOO: '' }));
    expect(await keyOf(BASE, { FOO: '1', PATH: '/a' })).toBe(await keyOf(BASE, { FOO: '2', PATH: '/b' }));
    const shell = manifestOf(await definitionOf(`version: 1\npipelines:\n  p:\n    stages:\n      s:\n${BASE}`));
    expect(shell.definition.passThrough).toEqual(PASS_THROUGH);
    const task = manifestOf(
      await definitionOf('version: 1\npipelines:\n  p:\n    stages:\n      s: { run: m.ts#m }\n'),
    );
    expect(task.definition.passThrough).toBeUndefined();
  });
});

describe('fingerprint: secret env', () => {
  it('holds a secret-named env value only as its sha256', async () => {
    const definition = await definitionOf(
      `version: 1\npipelines:\n  p:\n    stages:\n      s:\n${BASE}        env: { API_TOKEN: "\${API_TOKEN}", PLAIN: visible, OTHER: { value: hidden-value, secret: true } }\n`,
      { API_TOKEN: 'hunter2-secret' },
    );
    const manifest = manifestOf(definition);
    const text = canonicalJson(manifest);
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('hidden-value');
    expect(manifest.env).toEqual({
      API_TOKEN: `sha256:${sha256('hunter2-secret')}`,
      OTHER: `sha256:${sha256('hidden-value')}`,
      PLAIN: 'visible',
    });
  });

  it('still changes the key when the secret changes', async () => {
    const stage = `${BASE}        env: { API_TOKEN: "\${API_TOKEN}" }\n`;
    expect(await keyOf(stage, { API_TOKEN: 'one' })).not.toBe(await keyOf(stage, { API_TOKEN: 'two' }));
    expect(await keyOf(stage, { API_TOKEN: 'one' })).toBe(await keyOf(stage, { API_TOKEN: 'one' }));
  });
});
