// A fault outside any stage's own work still ends its stage, failed, with
// what broke (before, such a throw ended the run failed with no stage:end
// and no message): a record that could not be kept after the stage ran,
// and a worker pool that could not start. Faults injected with a spy:
// neither has a trigger a test can pull on a healthy machine (a full disk,
// a thread that cannot start).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { Resources } from '../../src/engine/resources.js';
import { WorkerPool } from '../../src/engine/map/pool.js';

const dirs: string[] = [];

function workspace(yaml: string, code: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-fault-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'pipelines.yaml'), yaml);
  fs.writeFileSync(path.join(dir, 'work.mjs'), code);
  return dir;
}

async function exec(dir: string, ...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main({
    argv: ['exec', ...args],
    cwd: dir,
    env: { CI: 'true' },
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      out += t;
    },
    isTty: false,
  });
  return { code, out };
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a fault outside a stage', () => {
  it('that fails keeping its record ends the stage failed, naming the fault, and blocks its dependents', async () => {
    const dir = workspace(
      `version: 1
pipelines:
  p:
    stages:
      a:
        run: work.mjs#a
      b:
        run: work.mjs#b
        needs: [a]
`,
      'export function a() { return [{ x: 1 }]; }\nexport function b() { return [{ y: 2 }]; }\n',
    );
    vi.spyOn(Resources.prototype, 'shareBlobs').mockRejectedValue(new Error('disk full (injected)'));
    const result = await exec(dir, 'p', '--json');
    const events = result.out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const ends = events.filter((e) => e.event === 'stage:end');
    expect(result.code).toBe(1);
    expect(ends.map((e) => [e.stage, e.outcome])).toEqual([
      ['a', 'failed'],
      ['b', 'blocked'],
    ]);
    expect(ends[0]?.reason).toBe('internal error: disk full (injected)');
    expect(events.at(-1)).toMatchObject({ event: 'run:end', status: 'failed', counts: { failed: 1, blocked: 1 } });
  });

  it('that fails starting its worker pool ends the stage failed, naming the fault', async () => {
    const dir = workspace(
      `version: 1
pipelines:
  p:
    stages:
      gen:
        run: work.mjs#gen
      sq:
        run: work.mjs#sq
        foreach: gen
        isolate: worker
        batchSize: 2
`,
      'export function* gen() { for (let i = 0; i < 5; i++) yield { i }; }\nexport function sq(item) { return { sq: item.i * item.i }; }\n',
    );
    const warm = vi.spyOn(WorkerPool.prototype, 'warm').mockImplementation(() => {
      throw new Error('no thread could start (injected)');
    });
    const result = await exec(dir, 'p');
    expect(warm).toHaveBeenCalled();
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/p\/sq: FAILED after \d+ms: internal error: no thread could start \(injected\)/);
    expect(result.out).toMatch(/failed in .*: 1 ran, 1 failed/);
  });
});
