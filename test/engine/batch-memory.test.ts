// A batch's items' memory comes back from the worker thread that computed
// it and holds the next batch's items (batch-memory.ts): the memory a pool
// lends after a batch is the very memory that batch's items were in (its
// bytes still there), a smaller batch in it is read for its own length
// only, and a child process (isolate: process) gives nothing back. What
// is kept between batches is bounded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchMemory } from '../../src/engine/map/batch-memory.js';
import { WorkerPool } from '../../src/engine/map/pool.js';
import type { BatchRequest } from '../../src/engine/map/pool.js';

const dirs: string[] = [];
const pools: WorkerPool[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function stageModule(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-batch-memory-'));
  dirs.push(dir);
  fs.writeFileSync(
    path.join(dir, 'work.mjs'),
    'export function twice(item) { return { id: item.id, twice: item.n * 2 }; }\n',
  );
  return dir;
}

function request(pool: WorkerPool, root: string, items: { id: string; n: number }[]): BatchRequest {
  const text = items.map((item) => `${JSON.stringify(item)}\n`).join('');
  const bytes = pool.itemBytes(Buffer.byteLength(text));
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).write(text);
  return {
    module: 'work.mjs',
    exportName: 'twice',
    items: bytes,
    indexes: items.map((_, i) => i),
    context: {
      pipeline: 'p',
      stage: 's',
      params: {},
      env: {},
      outputs: [],
      root,
      stateDir: root,
      tmp: root,
      code: 'c',
    },
    signal: new AbortController().signal,
    onLog: () => {},
  };
}

function outputs(results: Awaited<ReturnType<WorkerPool['run']>>): unknown[] {
  return results.map((result) => {
    if (!result.ok || !('out' in result)) throw new Error(`not lines: ${JSON.stringify(result)}`);
    return JSON.parse(Buffer.from(result.out).toString('utf8'));
  });
}

describe('BatchMemory', () => {
  it('lends memory given back when it is large enough, else new memory; the view is as long as asked', () => {
    const memory = new BatchMemory();
    const first = memory.take(100);
    expect(first.length).toBe(100);
    first.fill(7);
    memory.give(first.buffer as ArrayBuffer);
    const again = memory.take(50);
    expect(again.length).toBe(50);
    expect(again.buffer).toBe(first.buffer);
    expect(new Uint8Array(again.buffer, 50, 50).every((byte) => byte === 7)).toBe(true);
    // Nothing on the shelf now: new memory, zeroed.
    expect(memory.take(10)[0]).toBe(0);
    // Too small for what is asked: new memory, the small one stays for later.
    memory.give(memory.take(10).buffer as ArrayBuffer);
    expect(memory.take(1 << 20).length).toBe(1 << 20);
    expect(memory.transferable(again)).toEqual([again.buffer]);
    expect(memory.transferable(Buffer.from('not lent'))).toEqual([]);
  });

  it('keeps at most 32 MiB, the buffers given back longest ago going first', () => {
    const memory = new BatchMemory();
    const large = [1, 2, 3].map(() => memory.take(16 << 20).buffer);
    for (const buffer of large) memory.give(buffer as ArrayBuffer);
    const back = [1, 2, 3].map(() => memory.take(16 << 20).buffer);
    expect(back[0]).toBe(large[1]);
    expect(back[1]).toBe(large[2]);
    expect(large).not.toContain(back[2]);
  });
});

describe('a worker pool', () => {
  it('gets each batch of its worker threads back, and lends that memory, unwiped, for the next one, read for its own length', async () => {
    const root = stageModule();
    const pool = new WorkerPool({ size: 1, kind: 'worker' });
    pools.push(pool);
    const big = request(pool, root, [
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
      { id: 'c', n: 3 },
    ]);
    const sent = Buffer.from(big.items).toString('utf8');
    expect(outputs(await pool.run(big))).toEqual([
      { id: 'a', twice: 2 },
      { id: 'b', twice: 4 },
      { id: 'c', twice: 6 },
    ]);
    // Moved to the worker, not copied: gone from here.
    expect(big.items.byteLength).toBe(0);
    const small = request(pool, root, [{ id: 'z', n: 21 }]);
    // The memory the first batch's items were in, back from the worker: their lines still past this batch's one.
    expect(Buffer.from(small.items.buffer).toString('utf8', small.items.length, sent.length)).toBe(
      sent.slice(small.items.length),
    );
    expect(outputs(await pool.run(small))).toEqual([{ id: 'z', twice: 42 }]);
  });

  it('of child processes lends new memory for each batch: a process gets a copy, and gives nothing back', async () => {
    const root = stageModule();
    const pool = new WorkerPool({ size: 1, kind: 'process' });
    pools.push(pool);
    const first = request(pool, root, [{ id: 'a', n: 1 }]);
    expect(outputs(await pool.run(first))).toEqual([{ id: 'a', twice: 2 }]);
    const next = pool.itemBytes(4);
    expect(next.buffer).not.toBe(first.items.buffer);
    expect(next.byteLength).toBe(next.buffer.byteLength);
  });
});
