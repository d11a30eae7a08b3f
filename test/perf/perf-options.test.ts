import { describe, it, expect } from 'vitest';
import { ParallelProcessor } from '../../src/perf/parallel-processor.js';
import { SmartCache } from '../../src/perf/smart-cache.js';
import { StreamProcessor } from '../../src/perf/stream-processor.js';

const identity = (n: unknown): unknown => n;

describe('perf options are checked eagerly', () => {
  const cases: [string, () => unknown, string][] = [
    [
      'concurrency 0',
      () => new ParallelProcessor(identity, { concurrency: 0 }),
      'ParallelProcessor: concurrency must be an integer >= 1, got 0',
    ],
    [
      'concurrency 2.5',
      () => new ParallelProcessor(identity, { concurrency: 2.5 }),
      'ParallelProcessor: concurrency must be an integer >= 1, got 2.5',
    ],
    [
      'batchSize NaN',
      () => new ParallelProcessor(identity, { batchSize: Number.NaN }),
      'ParallelProcessor: batchSize must be an integer >= 1, got NaN',
    ],
    [
      'maxMemory 0',
      () => new ParallelProcessor(identity, { maxMemory: 0 }),
      'ParallelProcessor: maxMemory must be a finite number > 0, got 0',
    ],
    [
      'memoryPollMs string',
      () => new ParallelProcessor(identity, { memoryPollMs: '5' as unknown as number }),
      "ParallelProcessor: memoryPollMs must be an integer >= 1, got '5'",
    ],
    [
      'progressCallback',
      () => new ParallelProcessor(identity, { progressCallback: 1 as unknown as () => void }),
      'ParallelProcessor: progressCallback must be a function, got 1',
    ],
    [
      'signal',
      () => new ParallelProcessor(identity, { signal: {} as AbortSignal }),
      'ParallelProcessor: signal must be an AbortSignal, got {}',
    ],
    [
      'processor',
      () => new ParallelProcessor(null as unknown as typeof identity),
      'ParallelProcessor: processor must be a function, got null',
    ],
    [
      'options',
      () => new ParallelProcessor(identity, 5 as never),
      'ParallelProcessor: options must be an object, got 5',
    ],
    [
      'chunkSize',
      () => new StreamProcessor(identity, { chunkSize: 0 }),
      'StreamProcessor: chunkSize must be an integer >= 1, got 0',
    ],
    [
      'maxConcurrency',
      () => new StreamProcessor(identity, { maxConcurrency: -1 }),
      'StreamProcessor: maxConcurrency must be an integer >= 1, got -1',
    ],
    [
      'bufferSize',
      () => new StreamProcessor(identity, { bufferSize: 0 }),
      'StreamProcessor: bufferSize must be an integer >= 1, got 0',
    ],
    [
      'ordered',
      () => new StreamProcessor(identity, { ordered: 0 as unknown as boolean }),
      'StreamProcessor: ordered must be a boolean, got 0',
    ],
    [
      'source',
      () => new StreamProcessor(identity, { source: '' }),
      "StreamProcessor: source must be a non-empty string, got ''",
    ],
    ['ttl', () => new SmartCache({ ttl: -1 }), 'SmartCache: ttl must be a finite number >= 0, got -1'],
    [
      'maxSize',
      () => new SmartCache({ maxSize: Number.POSITIVE_INFINITY }),
      'SmartCache: maxSize must be a finite number >= 0, got Infinity',
    ],
    [
      'version',
      () => new SmartCache({ version: 2 as unknown as string }),
      'SmartCache: version must be a non-empty string, got 2',
    ],
    [
      'compressionEnabled',
      () => new SmartCache({ compressionEnabled: 'yes' as unknown as boolean }),
      "SmartCache: compressionEnabled must be a boolean, got 'yes'",
    ],
    [
      'metricsEnabled',
      () => new SmartCache({ metricsEnabled: null as unknown as boolean }),
      'SmartCache: metricsEnabled must be a boolean, got null',
    ],
    ['now', () => new SmartCache({ now: 5 as unknown as () => number }), 'SmartCache: now must be a function, got 5'],
  ];
  for (const [name, build, message] of cases) {
    it(`rejects ${name}`, () => {
      expect(build).toThrow(TypeError);
      expect(build).toThrow(message);
    });
  }

  it('rejects bad per-call cache arguments', async () => {
    const cache = new SmartCache();
    await expect(cache.set('k', 1, { ttl: Number.NaN })).rejects.toThrow(
      'SmartCache: ttl must be a finite number >= 0, got NaN',
    );
    await expect(cache.get('k', { version: '' })).rejects.toThrow('SmartCache: version must be a non-empty string');
    await expect(cache.get(1 as unknown as string)).rejects.toThrow('SmartCache: key must be a string, got number');
  });
});

describe('perf options: undefined means default, false and 0 are respected', () => {
  it('undefined options fall back to the defaults instead of overriding them', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const processor = async (n: number): Promise<number> => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return n;
    };
    await new ParallelProcessor(processor, { concurrency: undefined, batchSize: undefined }).process(
      Array.from({ length: 20 }, (_, i) => i),
    );
    expect(maxInFlight).toBe(4);
    expect(new SmartCache({ maxSize: undefined, ttl: undefined }).getMetrics().maxSize).toBe(64 * 1024 * 1024);
  });

  it('maxSize 0 stores nothing; ttl 0 never expires; per-entry ttl 0 overrides a default ttl', async () => {
    const empty = new SmartCache({ maxSize: 0 });
    expect(await empty.set('k', 'v')).toBe(false);
    expect(await empty.get('k')).toBeUndefined();
    const time = { now: 0 };
    const cache = new SmartCache({ ttl: 100, now: () => time.now });
    await cache.set('k', 'v', { ttl: 0 });
    time.now = 1e12;
    expect(await cache.get('k')).toBe('v');
  });

  it('ordered false and compressionEnabled false are honoured', async () => {
    const plain = new SmartCache({ compressionEnabled: false });
    await plain.set('k', 'a'.repeat(1000));
    expect(plain.getMetrics().currentSize).toBe(1001);
    const order: number[] = [];
    const processor = async (n: number): Promise<number> => {
      if (n === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      order.push(n);
      return n;
    };
    const { items } = await new StreamProcessor(processor, { ordered: false }).process([0, 1, 2]);
    expect(items).toEqual(order);
    expect(items[0]).not.toBe(0);
  });
});
