import { describe, it, expect } from 'vitest';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { StreamProcessor } from '../../src/perf/stream-processor.js';

const identity = <T>(item: T): T => item;

// Multi-byte characters (2, 3 and 4 bytes in UTF-8), CRLF, blank lines and a
// final line without a newline.
const SAMPLE = '{"id":1,"name":"café"}\r\n\n{"id":2,"name":"€uro"}\n   \n{"id":3,"emoji":"🚀"}\r\n{"id":4,"text":"ok"}';
const EXPECTED = [
  { id: 1, name: 'café' },
  { id: 2, name: '€uro' },
  { id: 3, emoji: '🚀' },
  { id: 4, text: 'ok' },
];

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<string | Buffer> {
  for (const part of parts) yield part;
}

describe('StreamProcessor JSONL parsing', () => {
  it('parses correctly whatever byte the stream is split at', async () => {
    const bytes = Buffer.from(SAMPLE, 'utf8');
    const processor = new StreamProcessor(identity);
    for (let split = 0; split <= bytes.length; split += 1) {
      const { items, errors, stats } = await processor.process(chunks(bytes.subarray(0, split), bytes.subarray(split)));
      expect({ split, items, errors }).toEqual({ split, items: EXPECTED, errors: [] });
      expect(stats.totalItems).toBe(4);
    }
  });

  it('parses correctly when split at every pair of points (three chunks)', async () => {
    const bytes = Buffer.from(SAMPLE, 'utf8');
    const processor = new StreamProcessor(identity);
    for (let a = 0; a <= bytes.length; a += 3) {
      for (let b = a; b <= bytes.length; b += 1) {
        const parts = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)];
        const { items } = await processor.process(chunks(...parts));
        expect({ a, b, items }).toEqual({ a, b, items: EXPECTED });
      }
    }
  });

  it('decodes multi-byte characters split by a small chunkSize', async () => {
    const bytes = Buffer.from(SAMPLE, 'utf8');
    for (let chunkSize = 1; chunkSize <= 8; chunkSize += 1) {
      const { items } = await new StreamProcessor(identity, { chunkSize }).process(chunks(bytes));
      expect({ chunkSize, items }).toEqual({ chunkSize, items: EXPECTED });
    }
  });

  it('parses string chunks split anywhere, including inside a surrogate pair', async () => {
    const processor = new StreamProcessor(identity);
    for (let split = 0; split <= SAMPLE.length; split += 1) {
      const { items } = await processor.process(chunks(SAMPLE.slice(0, split), SAMPLE.slice(split)));
      expect({ split, items }).toEqual({ split, items: EXPECTED });
    }
  });

  it('reads a file stream, a Readable of Buffers and a bare string', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runner-perf-'));
    try {
      const file = join(dir, 'events.jsonl');
      await writeFile(file, SAMPLE);
      const processor = new StreamProcessor(identity);
      const fromFile = await processor.process(createReadStream(file, { highWaterMark: 5 }));
      expect(fromFile.items).toEqual(EXPECTED);
      const bytes = Buffer.from(SAMPLE);
      const fromReadable = await processor.process(Readable.from([bytes.subarray(0, 9), bytes.subarray(9)]));
      expect(fromReadable.items).toEqual(EXPECTED);
      expect((await processor.process(SAMPLE)).items).toEqual(EXPECTED);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a malformed line with its 1-based line number and the source name, and keeps going', async () => {
    const text = '{"a":1}\n\n{"a":2}\n{"a":\n{"a":4}\n';
    const { items, errors, stats } = await new StreamProcessor(identity, { source: 'events.jsonl' }).process(
      chunks(text),
    );
    expect(items).toEqual([{ a: 1 }, { a: 2 }, { a: 4 }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 4, index: 2 });
    expect(errors[0]).not.toHaveProperty('item');
    expect(errors[0]?.error.message).toMatch(/^events\.jsonl:4: invalid JSON: /);
    expect(stats).toMatchObject({ totalItems: 4, processedItems: 3, failedItems: 1 });
  });

  it('names the line without a source, and parses a malformed final line without newline as an error', async () => {
    const { errors } = await new StreamProcessor(identity).process(chunks('{"a":1}\r\nnot json'));
    expect(errors.map((e) => [e.line, e.index])).toEqual([[2, 1]]);
    expect(errors[0]?.error.message).toMatch(/^line 2: invalid JSON: /);
  });

  it('ignores a byte order mark on the first line', async () => {
    const { items } = await new StreamProcessor(identity).process(chunks(Buffer.from('\uFEFF{"a":1}\n')));
    expect(items).toEqual([{ a: 1 }]);
  });

  it('takes an async iterable of non-text values as already-parsed records', async () => {
    async function* records(): AsyncGenerator<{ n: number }> {
      for (let n = 0; n < 5; n += 1) yield { n };
    }
    const { items, stats } = await new StreamProcessor((r: { n: number }) => r.n * 2).process(records());
    expect(items).toEqual([0, 2, 4, 6, 8]);
    expect(stats.totalItems).toBe(5);
  });

  it('rejects an input that mixes text chunks and records', async () => {
    async function* mixed(): AsyncGenerator<unknown> {
      yield '{"a":1}\n';
      yield { a: 2 };
    }
    await expect(new StreamProcessor(identity).process(mixed() as AsyncIterable<string>)).rejects.toThrow(
      /mixes text chunks and records/,
    );
  });

  it('reports a processor failure with its item, index and line', async () => {
    const processor = (record: { a: number }): number => {
      if (record.a === 2) throw new Error('bad record');
      return record.a;
    };
    const { items, errors, stats } = await new StreamProcessor(processor).process(
      chunks('{"a":1}\n\n{"a":2}\n{"a":3}'),
    );
    expect(items).toEqual([1, 3]);
    expect(errors).toEqual([{ item: { a: 2 }, index: 1, line: 3, error: new Error('bad record') }]);
    expect(stats).toMatchObject({ totalItems: 3, processedItems: 2, failedItems: 1 });
  });
});
