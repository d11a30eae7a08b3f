// JSON Lines from a byte stream. Lines split across chunks (and UTF-8
// characters split across chunks) parse correctly; a bad line is an error
// naming the source and the line number, never silently dropped.
import { StringDecoder } from 'node:string_decoder';

export class JsonlError extends Error {
  readonly source: string;
  readonly line: number;
  constructor(source: string, line: number, message: string) {
    super(`${source}:${line}: ${message}`);
    this.name = 'JsonlError';
    this.source = source;
    this.line = line;
  }
}

/** Text lines (without line endings) with their 1-based numbers; blank lines are skipped. */
export async function* splitLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<{ line: number; text: string }> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let newline = pending.indexOf('\n', start); newline !== -1; newline = pending.indexOf('\n', start)) {
      line++;
      const text = stripCr(pending.slice(start, newline));
      start = newline + 1;
      if (text.trim() !== '') yield { line, text };
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending.trim() !== '') yield { line: line + 1, text: stripCr(pending) };
}

export function parseLine(source: string, line: number, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JsonlError(source, line, `invalid JSON: ${(error as Error).message}`);
  }
}

export async function* parseJsonl(chunks: AsyncIterable<Buffer | string>, source: string): AsyncGenerator<unknown> {
  for await (const { line, text } of splitLines(chunks)) yield parseLine(source, line, text);
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
