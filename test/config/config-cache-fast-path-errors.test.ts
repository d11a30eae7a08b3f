import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyse } from '../../src/engine/analyse.js';
import { Workspace } from '../e2e/rig.js';
import { analyseAndFormat, lines, tempConfig } from './helpers.js';

const TEXT = lines(
  'version: 1', //                            1
  'pipelines:', //                            2
  '  p:', //                                  3
  '    params: { mode: fast }', //            4
  '    stages:', //                           5
  '      a:', //                              6
  '        shell: "echo ${TARGET} > t.txt"', // 7
);

const EXPECTED = [
  'pipelines.yaml:7:22 pipelines.p.stages.a.shell uses ${TARGET}, but TARGET is not set in the environment (write ${TARGET:-default} to give a default)',
  '  7 |         shell: "echo ${TARGET} > t.txt"',
  '    |                      ^^^^^^^^^',
  '1 problem in pipelines.yaml',
].join('\n');

describe('an expansion error on the cached (fast) path', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('is still reported with its line and column', async () => {
    const config = tempConfig(TEXT);
    cleanup = config.remove;
    const first = await analyse({ file: config.file, env: { TARGET: 'prod' }, runnerVersion: 'test' });
    expect(first.ok).toBe(true);
    const cacheFile = path.join(config.dir, '.runner', 'config.json');
    const cachedBefore = fs.readFileSync(cacheFile, 'utf8');
    expect(await analyseAndFormat(config.file, { env: {} })).toBe(EXPECTED);
    // The cache entry is still the valid config: the environment is not part of it.
    expect(fs.readFileSync(cacheFile, 'utf8')).toBe(cachedBefore);
  });

  it('reports an undeclared --param the same way on both paths', async () => {
    const config = tempConfig(TEXT);
    cleanup = config.remove;
    const options = { env: { TARGET: 'prod' }, paramOverrides: { mdoe: 'slow' }, pipelinesToCheck: ['p'] };
    const expected =
      'command line: --param mdoe is not a param of pipeline p (params: mode) (did you mean "mode"?)\n1 problem on the command line';
    expect(await analyseAndFormat(config.file, options)).toBe(expected);
    expect(await analyseAndFormat(config.file, { env: { TARGET: 'prod' } })).toBe('');
    expect(await analyseAndFormat(config.file, options)).toBe(expected);
  });

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('exits 2 with the positioned diagnostic after a valid run cached the config', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', TEXT);
      const ok = await ws.run(['exec', 'p'], { env: { TARGET: 'prod' } });
      expect(ok.code).toBe(0);
      expect(ws.read('t.txt')).toBe('prod\n');
      expect(ws.exists('.runner/config.json')).toBe(true);
      const saved = process.env.TARGET;
      delete process.env.TARGET;
      try {
        const failed = await ws.run(['exec', 'p']);
        expect(failed.code).toBe(2);
        expect(failed.stderr).toBe(`${EXPECTED}\n`);
      } finally {
        if (saved !== undefined) process.env.TARGET = saved;
      }
    });
  });
});
