// Two workspaces with the same files stand for two CI machines sharing one
// Redis cache: what the first computed, the second restores without running.
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../cache/redis-server.js';
import type { RedisServer } from '../cache/redis-server.js';
import { outcomes, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      make:
        shell: "mkdir -p out && cat in.txt in.txt > out/double.txt && echo make >> ../ran-\${MACHINE}.log"
        inputs: [in.txt]
        outputs: [out/double.txt]
        env: { MACHINE: "\${MACHINE}" }
      records:
        run: records.mjs#records
        inputs: [out/double.txt]
        needs: [make]
      use:
        run: records.mjs#count
        needs: [records]
`;
const MODULE = `import fs from 'node:fs';
export function records(ctx) {
  return fs.readFileSync(ctx.workspace.resolve('out/double.txt'), 'utf8').split('\\n').filter(Boolean).map((line, i) => ({ i, line }));
}
export async function count(ctx) {
  let n = 0;
  for await (const _ of ctx.upstream('records')) n++;
  return [{ n }];
}
`;

describe('a shared Redis cache', () => {
  let redis: RedisServer;
  const workspaces: Workspace[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  afterEach(() => {
    for (const ws of workspaces.splice(0)) ws.remove();
  });

  const machine = (): Workspace => {
    const ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('records.mjs', MODULE);
    ws.write('in.txt', 'a\nb\nc\n');
    workspaces.push(ws);
    return ws;
  };

  it('lets a second machine restore outputs and records the first one computed', async () => {
    // Both machines append to one log beside their workspaces: the command must run once in all.
    const tag = `shared-${process.pid}-${Date.now()}`;
    const env = { RUNNER_CACHE_URL: redis.url, MACHINE: tag };
    const first = machine();
    const one = await first.run(['exec', 'p', '--json'], { env });
    expect(one.code).toBe(0);
    expect(outcomes(one.events)).toEqual({ make: 'ran', records: 'ran', use: 'ran' });

    const second = machine();
    const two = await second.run(['exec', 'p', '--json'], { env });
    expect(two.code, two.stderr).toBe(0);
    expect(outcomes(two.events)).toEqual({ make: 'restored', records: 'cached', use: 'cached' });
    expect(second.read('out/double.txt')).toBe('a\nb\nc\na\nb\nc\n');
    expect(second.read(`../ran-${tag}.log`)).toBe('make\n');
    fs.rmSync(second.path(`../ran-${tag}.log`), { force: true });
  });
});
