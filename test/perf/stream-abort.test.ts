import { describe, it, expect } from 'vitest';
import { StreamProcessor } from '../../src/perf/stream-processor.js';
import { flush, gatedProcessor } from './helpers.js';

describe('StreamProcessor abort and early exit', () => {
  it('on abort starts nothing new, aborts in-flight signals, and rejects after they settle', async () => {
    const controller = new AbortController();
    const gated = gatedProcessor<number>();
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        for (let n = 0; n < 1000; n += 1) yield n;
      } finally {
        closed = true;
      }
    }
    const run = new StreamProcessor(gated.processor, { maxConcurrency: 3, signal: controller.signal }).process(
      source(),
    );
    let settled = false;
    run.catch(() => undefined).finally(() => (settled = true));
    await flush();
    expect(gated.state.started).toBe(3);
    controller.abort();
    await flush();
    expect(gated.signals.every((signal) => signal.aborted)).toBe(true);
    gated.release(0);
    await flush();
    expect(gated.state.started).toBe(3);
    expect(settled).toBe(false);
    gated.releaseAll();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(gated.state.inFlight).toBe(0);
    await flush();
    expect(closed).toBe(true);
  });

  it('rejects at once with the reason of an already-aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new DOMException('gone', 'AbortError'));
    await expect(
      new StreamProcessor((n: number) => n, { signal: controller.signal }).process([1]),
    ).rejects.toMatchObject({
      message: 'gone',
    });
  });

  it('when the consumer breaks out of run(), aborts in-flight calls, waits for them and closes the source', async () => {
    const gated = gatedProcessor<number>();
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        for (let n = 0; n < 1000; n += 1) yield n;
      } finally {
        closed = true;
      }
    }
    const processor = async (n: number, index: number, signal: AbortSignal): Promise<number> => {
      if (index === 0) gated.release(0);
      signal.addEventListener('abort', () => gated.release(index));
      return gated.processor(n, index, signal);
    };
    for await (const entry of new StreamProcessor(processor, { maxConcurrency: 2 }).run(source())) {
      expect(entry.index).toBe(0);
      break;
    }
    expect(gated.state.inFlight).toBe(0);
    expect(gated.signals.slice(1).every((signal) => signal.aborted)).toBe(true);
    await flush();
    expect(closed).toBe(true);
  });

  it('rejects with a source error after in-flight items settle', async () => {
    const gated = gatedProcessor<unknown>();
    async function* source(): AsyncGenerator<string> {
      yield '{"a":1}\n';
      await new Promise<void>((resolve) => setImmediate(resolve));
      throw new Error('disk on fire');
    }
    const run = new StreamProcessor(gated.processor).process(source());
    let settled = false;
    run.catch(() => undefined).finally(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    gated.releaseAll();
    await expect(run).rejects.toThrow('disk on fire');
  });
});
