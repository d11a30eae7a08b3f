// index: chunks respect maxLines and maxBytes, cover every non-blank line
// exactly once and in order, never start or end blank, prefer natural
// boundaries, and split an over-long line between code points.
import { describe, expect, it } from 'vitest';
import { chunkText } from '../../runners/boardrev/index.js';
import type { Chunk } from '../../runners/boardrev/index.js';

/**
 * Non-blank lines of the text as `number:text`, and the same rebuilt from
 * the chunks (pieces of a split line, which share its number, joined back).
 */
function coverage(text: string, chunks: Chunk[]): { expected: string[]; actual: string[] } {
  const expected = text
    .split('\n')
    .map((line, i) => ({ line: i + 1, text: line }))
    .filter((entry) => entry.text.trim() !== '')
    .map((entry) => `${entry.line}:${entry.text}`);
  const rebuilt: { line: number; text: string }[] = [];
  for (const chunk of chunks) {
    for (const [i, line] of chunk.text.split('\n').entries()) {
      const number = chunk.startLine + i;
      const last = rebuilt.at(-1);
      if (last && last.line === number) last.text += line;
      else rebuilt.push({ line: number, text: line });
    }
  }
  return {
    expected,
    actual: rebuilt.filter((entry) => entry.text.trim() !== '').map((entry) => `${entry.line}:${entry.text}`),
  };
}

function program(functions: number, bodyLines: number): string {
  const out: string[] = ['// header comment', "import fs from 'node:fs';", ''];
  for (let f = 0; f < functions; f++) {
    out.push(`export function f${f}(x: number): number {`);
    for (let l = 0; l < bodyLines; l++) out.push(`  x = x * ${l} + ${f}; // step ${l}`);
    out.push('  return x;', '}', '');
  }
  return out.join('\n');
}

describe('chunking', () => {
  it('keeps every chunk within maxLines and maxBytes and covers every non-blank line once', () => {
    for (const [maxLines, maxBytes] of [
      [10, 4000],
      [60, 200],
      [3, 64],
      [1, 16],
    ] as const) {
      const text = program(7, 6);
      const chunks = chunkText(text, { maxLines, maxBytes });
      for (const chunk of chunks) {
        expect(chunk.endLine - chunk.startLine + 1).toBeLessThanOrEqual(maxLines);
        expect(Buffer.byteLength(chunk.text)).toBeLessThanOrEqual(maxBytes);
        expect(chunk.text.split('\n')[0]?.trim()).not.toBe('');
        expect(chunk.text.split('\n').at(-1)?.trim()).not.toBe('');
      }
      const { expected, actual } = coverage(text, chunks);
      expect(actual).toEqual(expected);
    }
  });

  it('cuts between functions rather than inside one', () => {
    // Each function is 10 lines plus a blank line; 15 lines fit one function and a half.
    const chunks = chunkText(program(4, 7), { maxLines: 15, maxBytes: 10_000 });
    for (const chunk of chunks.slice(1)) expect(chunk.text.split('\n')[0]).toMatch(/^export function f\d/);
  });

  it('cuts a markdown document at its headings', () => {
    const doc = [
      '# Title',
      '',
      ...[1, 2, 3].flatMap((n) => [
        `## Part ${n}`,
        '',
        ...Array.from({ length: 5 }, (_, i) => `Sentence ${i} of part ${n}.`),
        '',
      ]),
    ].join('\n');
    const chunks = chunkText(doc, { maxLines: 10, maxBytes: 10_000 });
    expect(chunks[0]?.text.split('\n')[0]).toBe('# Title');
    for (const chunk of chunks.slice(1)) expect(chunk.text.split('\n')[0]).toMatch(/^## Part \d$/);
  });

  it('splits a line longer than maxBytes into pieces that share its line number', () => {
    const long = 'é'.repeat(100); // 200 bytes
    const chunks = chunkText(`short\n${long}\nend\n`, { maxLines: 50, maxBytes: 64 });
    const pieces = chunks.filter((c) => c.text.includes('é'));
    expect(
      pieces
        .map((c) => c.text)
        .join('')
        .replace(/\n?(short|end)\n?/g, ''),
    ).toBe(long);
    for (const chunk of chunks) expect(Buffer.byteLength(chunk.text)).toBeLessThanOrEqual(64);
    expect(pieces.every((c) => c.startLine <= 2 && c.endLine >= 2)).toBe(true);
    expect(chunks.at(-1)?.endLine).toBe(3);
  });

  it('gives nothing for an empty or blank file, one chunk for a small one', () => {
    expect(chunkText('', { maxLines: 10, maxBytes: 100 })).toEqual([]);
    expect(chunkText('\n  \n\n', { maxLines: 10, maxBytes: 100 })).toEqual([]);
    expect(chunkText('\n\na\r\nb\n\n', { maxLines: 10, maxBytes: 100 })).toEqual([
      { startLine: 3, endLine: 4, text: 'a\nb' },
    ]);
  });

  it('rejects limits that cannot make progress', () => {
    expect(() => chunkText('a', { maxLines: 0, maxBytes: 100 })).toThrow(/params.maxLines must be an integer >= 1/);
    expect(() => chunkText('a', { maxLines: 5, maxBytes: 8 })).toThrow(/params.maxBytes must be an integer >= 16/);
  });
});
