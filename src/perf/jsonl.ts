// JSON Lines framing: bytes or strings in, numbered non-blank lines out.
import { StringDecoder } from 'node:string_decoder';

export interface RawLine {
  text: string;
  /** 1-based, counting blank lines too, so it matches an editor's line number. */
  line: number;
}

export class LineSplitter {
  readonly #chunkSize: number;
  // StringDecoder keeps the bytes of a UTF-8 character split across chunks
  // until the rest arrives, so no character is mangled at a chunk boundary.
  readonly #decoder = new StringDecoder('utf8');
  #partial: string[] = [];
  #line = 0;

  constructor(chunkSize: number) {
    this.#chunkSize = chunkSize;
  }

  /** Lazily yields the lines a chunk completes; byte chunks are decoded chunkSize bytes at a time. */
  *write(chunk: string | Uint8Array): Generator<RawLine> {
    if (typeof chunk === 'string') {
      yield* this.#split(chunk);
      return;
    }
    for (let offset = 0; offset < chunk.length; offset += this.#chunkSize) {
      yield* this.#split(this.#decoder.write(chunk.subarray(offset, offset + this.#chunkSize)));
    }
  }

  /** Yields the last line when the input did not end with a newline. */
  *end(): Generator<RawLine> {
    yield* this.#split(this.#decoder.end());
    if (this.#partial.length > 0) {
      const text = this.#partial.join('');
      this.#partial = [];
      yield* this.#emit(text);
    }
  }

  *#split(text: string): Generator<RawLine> {
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      let piece = text.slice(start, newline);
      start = newline + 1;
      if (this.#partial.length > 0) {
        this.#partial.push(piece);
        piece = this.#partial.join('');
        this.#partial = [];
      }
      yield* this.#emit(piece.endsWith('\r') ? piece.slice(0, -1) : piece);
    }
    if (start < text.length) this.#partial.push(text.slice(start));
  }

  *#emit(text: string): Generator<RawLine> {
    this.#line += 1;
    const content = this.#line === 1 && text.startsWith('\uFEFF') ? text.slice(1) : text;
    if (/\S/.test(content)) yield { text: content, line: this.#line };
  }
}

/** Parses one line; the error names `source:line` (or `line N`) so it points at the input. */
export function parseJsonLine(
  raw: RawLine,
  source: string | undefined,
): { ok: true; value: unknown } | { ok: false; error: Error } {
  try {
    return { ok: true, value: JSON.parse(raw.text) };
  } catch (cause) {
    const where = source === undefined ? `line ${raw.line}` : `${source}:${raw.line}`;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return { ok: false, error: new SyntaxError(`${where}: invalid JSON: ${reason}`, { cause }) };
  }
}
