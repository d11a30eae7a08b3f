import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyse } from '../../src/engine/analyse.js';
import { Workspace } from '../e2e/rig.js';
import { lines, tempConfig } from './helpers.js';

const before = lines('version: 1', 'pipelines:', '  p:', '    stages:', '      aa:', '        shell: "true"');
// Same length as `before`, so only the content tells them apart.
const after = before.replace('aa:', 'bb:');

function stageNames(result: Awaited<ReturnType<typeof analyse>>): string[] {
  if (!result.ok) throw new Error(`analyse failed: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return [...(result.analysis.plan.pipelines.get('p')?.stages.keys() ?? [])];
}

describe('the validated-config cache (.runner/config.json)', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('is used while pipelines.yaml is unchanged', async () => {
    const config = tempConfig(before);
    cleanup = config.remove;
    const options = { file: config.file, env: {}, runnerVersion: 'test' };
    expect(stageNames(await analyse(options))).toEqual(['aa']);
    const cacheFile = path.join(config.dir, '.runner', 'config.json');
    const cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as {
      format: number;
      hash: string;
      config: { pipelines: { p: { stages: Record<string, unknown> } } };
    };
    // Doctor the cached copy, its checksum to match: a run that trusts the cache sees the doctored stage.
    cached.config.pipelines.p.stages = { zz: { shell: 'true' } };
    const text = JSON.stringify(cached.config);
    const sum = createHash('sha256').update(text).digest('hex');
    fs.writeFileSync(cacheFile, `{"format":${cached.format},"hash":"${cached.hash}","sum":"${sum}","config":${text}}`);
    expect(stageNames(await analyse(options))).toEqual(['zz']);
    // validate (isFresh) never trusts it.
    expect(stageNames(await analyse({ ...options, isFresh: true }))).toEqual(['aa']);
  });

  it('is not stale after an edit that keeps the size and the mtime', async () => {
    const config = tempConfig(before);
    cleanup = config.remove;
    const options = { file: config.file, env: {}, runnerVersion: 'test' };
    expect(stageNames(await analyse(options))).toEqual(['aa']);
    const { atime, mtime } = fs.statSync(config.file);
    fs.writeFileSync(config.file, after);
    fs.utimesSync(config.file, atime, mtime);
    expect(stageNames(await analyse(options))).toEqual(['bb']);
  });

  it('is not shared between runner versions', async () => {
    const config = tempConfig(before);
    cleanup = config.remove;
    expect(stageNames(await analyse({ file: config.file, env: {}, runnerVersion: '1.0.0' }))).toEqual(['aa']);
    const cacheFile = path.join(config.dir, '.runner', 'config.json');
    const cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as {
      config: { pipelines: { p: { stages: Record<string, unknown> } } };
    };
    cached.config.pipelines.p.stages = { zz: { shell: 'true' } };
    fs.writeFileSync(cacheFile, JSON.stringify(cached));
    expect(stageNames(await analyse({ file: config.file, env: {}, runnerVersion: '1.0.1' }))).toEqual(['aa']);
  });

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('lists the stages of the edited file', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', before);
      const first = await ws.run(['list', '--json']);
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({ pipelines: [{ name: 'p', description: '', stages: ['aa'] }] });
      expect(ws.exists('.runner/config.json')).toBe(true);
      const { atime, mtime } = fs.statSync(ws.path('pipelines.yaml'));
      ws.write('pipelines.yaml', after);
      fs.utimesSync(ws.path('pipelines.yaml'), atime, mtime);
      const second = await ws.run(['list', '--json']);
      expect(JSON.parse(second.stdout)).toEqual({ pipelines: [{ name: 'p', description: '', stages: ['bb'] }] });
    });
  });
});
