// ctx.code is one hash of the code a stage runs, as its key has it: the same
// for a task and for a map's items, inline or in a worker thread, while
// that code is; another once a module it imports changes, and the same
// again once that module is put back. A knob is no code.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { Workspace } from './rig.js';

const pipeline = (batchSize: number): string => `version: 1
pipelines:
  p:
    stages:
      task: { run: work.mjs#task }
      inline: { run: work.mjs#item, foreach: { files: ["data/*.txt"] }, isolate: inline }
      worker: { run: work.mjs#item, foreach: { files: ["data/*.txt"] }, isolate: worker, batchSize: ${batchSize} }
`;

const WORK = `import { isMainThread } from 'node:worker_threads';
import { helper } from './lib.mjs';
export function task(ctx) {
  ctx.log(\`code \${ctx.code} main \${isMainThread}\`);
  return [{ n: helper() }];
}
export function item(item, ctx) {
  ctx.log(\`code \${ctx.code} main \${isMainThread}\`);
  return { path: item.path, n: helper() };
}
`;
const LIB = 'export const helper = () => 1;\n';

/** Each stage's logged [code, main thread?] lines, distinct. */
function codesOf(events: RunEvent[]): Record<string, string[]> {
  const codes: Record<string, Set<string>> = {};
  for (const event of events) {
    if (event.event !== 'stage:log' || !event.line.startsWith('code ')) continue;
    codes[event.stage] ??= new Set();
    codes[event.stage]?.add(event.line.slice('code '.length));
  }
  return Object.fromEntries(Object.entries(codes).map(([stage, lines]) => [stage, [...lines].sort()]));
}

describe('ctx.code', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  async function run(...flags: string[]): Promise<Record<string, string[]>> {
    const result = await ws.run(['exec', 'p', '--json', ...flags]);
    expect(result.code, result.stderr).toBe(0);
    return codesOf(result.events);
  }

  it('is the hash of the stage code, the same in a task and in items on either thread, until an import changes', async () => {
    ws = new Workspace('runner-ctx-code-');
    ws.write('pipelines.yaml', pipeline(2));
    ws.write('work.mjs', WORK);
    ws.write('lib.mjs', LIB);
    for (let i = 0; i < 6; i++) ws.write(`data/f${i}.txt`, `file ${i}\n`);

    const first = await run();
    const code = (first.task?.[0] ?? '').split(' ')[0] as string;
    expect(code).toMatch(/^[0-9a-f]{64}$/);
    expect(first).toEqual({
      task: [`${code} main true`],
      inline: [`${code} main true`],
      worker: [`${code} main false`],
    });

    // A knob changes no code: forced to run again, the stages see the same hash.
    ws.write('pipelines.yaml', pipeline(3));
    expect(await run('--force')).toEqual(first);

    // A module the stages import changes: so does the hash, for each of them alike.
    ws.write('lib.mjs', `// a comment\n${LIB}`);
    const edited = await run();
    const other = (edited.task?.[0] ?? '').split(' ')[0] as string;
    expect(other).toMatch(/^[0-9a-f]{64}$/);
    expect(other).not.toBe(code);
    expect(edited).toEqual({
      task: [`${other} main true`],
      inline: [`${other} main true`],
      worker: [`${other} main false`],
    });

    // Put back, the code is the first code again.
    ws.write('lib.mjs', LIB);
    expect(await run('--force')).toEqual(first);
  });
});
