// boardrev/index: each source file (README, docs and src by default) cut
// into chunks and embedded, one record per chunk. A map stage over files
// with an item cache keyed by { path, hash }: a rerun reads, chunks and
// embeds only the files whose content changed, and since the dataset is
// rebuilt from the current files' items on every run, the chunks of a
// modified or deleted file are gone from it (no stale vectors). The stage
// streams (stream: true in pipelines.yaml): one file's text at a time is in
// memory, never the repository's.
//
// Chunks have at most params.maxLines lines and params.maxBytes UTF-8
// bytes. When a chunk is full it is cut at the last natural boundary in its
// second half (a blank line, a markdown heading, a top-level declaration, a
// closing brace at column 0) rather than mid-function, when there is one.
// Invariants (test/boardrev/chunking-boundaries.test.ts): every non-blank
// line lands in exactly one chunk, in order; chunks never start or end with
// a blank line; a line longer than maxBytes is split into pieces (between
// code points) that share its line number, one piece per chunk.
import type { FileItem, ItemContext, StageContext } from '../../src/api.js';
import { embedTexts as embedWith } from '../lib/text-embedding.js';
import type { EmbeddedTexts } from '../lib/text-embedding.js';
import { notUtf8 } from '../lib/text-file.js';
import { encodeVector } from '../lib/vector-codec.js';
import type { ChunkRecord } from './types.js';

/**
 * The embedder index and match share (a task is compared with chunks by
 * cosine): params.embedProvider and params.embedModel, OLLAMA_URL from env.
 */
export function embedTexts(
  texts: string[],
  ctx: Pick<StageContext, 'params' | 'env' | 'signal'>,
): Promise<EmbeddedTexts> {
  return embedWith(texts, {
    provider: String(ctx.params.embedProvider),
    model: String(ctx.params.embedModel),
    url: ctx.env.OLLAMA_URL,
    signal: ctx.signal,
  });
}

export async function index(item: FileItem, ctx: ItemContext): Promise<ChunkRecord[]> {
  const bytes = ctx.read(item);
  if (bytes.includes(0)) {
    ctx.log(`${item.path}: binary content, not indexed`);
    return [];
  }
  // Decoded anyway, each byte that is not UTF-8 would be U+FFFD in the chunk text, which match searches for the
  // code a task names and the Ollama evaluator quotes.
  const encoding = notUtf8(bytes);
  if (encoding) {
    ctx.log(
      `skipped ${item.path}: it ${encoding.message}; save it as UTF-8 to have it count as evidence for the tasks`,
    );
    return [];
  }
  const chunks = chunkText(bytes.toString('utf8'), {
    maxLines: Number(ctx.params.maxLines),
    maxBytes: Number(ctx.params.maxBytes),
  });
  // The path is part of what a chunk is about: `item-cache.ts` says "item cache" before its first line does.
  const { embedder, vectors } = await embedTexts(
    chunks.map((chunk) => `${item.path}\n${chunk.text}`),
    ctx,
  );
  return chunks.map((chunk, i) => ({
    path: item.path,
    chunk: i,
    startLine: chunk.startLine,
    endLine: chunk.endLine,
    embedder,
    vector: encodeVector(vectors[i] ?? new Float32Array(0)),
    text: chunk.text,
  }));
}

export interface Chunk {
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  text: string;
}

export interface ChunkLimits {
  maxLines: number;
  maxBytes: number;
}

interface Piece {
  line: number;
  text: string;
  bytes: number;
}

const DECLARATION =
  /^(?:export\s|function\s|async\s+function\s|class\s|interface\s|type\s|const\s|let\s|enum\s|describe\(|it\(|test\()/;

function isBoundaryBefore(piece: Piece): boolean {
  return piece.text.trim() === '' || /^#{1,6}\s/.test(piece.text) || DECLARATION.test(piece.text);
}

function isBoundaryAfter(piece: Piece): boolean {
  return /^[}\])][;,)]*\s*$/.test(piece.text);
}

export function checkLimits(limits: ChunkLimits): ChunkLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < (name === 'maxBytes' ? 16 : 1)) {
      throw new Error(
        `params.${name} must be an integer >= ${name === 'maxBytes' ? 16 : 1}, not ${JSON.stringify(value)}`,
      );
    }
  }
  return limits;
}

export function chunkText(text: string, limits: ChunkLimits): Chunk[] {
  const { maxLines, maxBytes } = checkLimits(limits);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const chunks: Chunk[] = [];
  let current: Piece[] = [];
  let bytes = 0;

  const emit = (pieces: Piece[]): void => {
    let start = 0;
    let end = pieces.length;
    while (start < end && (pieces[start] as Piece).text.trim() === '') start++;
    while (end > start && (pieces[end - 1] as Piece).text.trim() === '') end--;
    if (start === end) return;
    const kept = pieces.slice(start, end);
    chunks.push({
      startLine: (kept[0] as Piece).line,
      endLine: (kept.at(-1) as Piece).line,
      text: kept.map((p) => p.text).join('\n'),
    });
  };
  /** Emits the full chunk up to its best boundary; keeps the rest as the start of the next one. */
  const cut = (): void => {
    let at = current.length;
    for (let i = current.length - 1; i >= Math.ceil(current.length / 2); i--) {
      const piece = current[i] as Piece;
      if (isBoundaryBefore(piece)) {
        at = i;
        break;
      }
      if (isBoundaryAfter(piece) && i + 1 < current.length) {
        at = i + 1;
        break;
      }
    }
    emit(current.slice(0, at));
    current = current.slice(at);
    bytes = sizeOf(current);
  };

  for (const [i, line] of lines.entries()) {
    for (const piece of piecesOf(line.replace(/\r$/, ''), i + 1, maxBytes)) {
      while (current.length > 0 && (current.length + 1 > maxLines || bytes + 1 + piece.bytes > maxBytes)) cut();
      bytes += (current.length > 0 ? 1 : 0) + piece.bytes;
      current.push(piece);
    }
  }
  emit(current);
  return chunks;
}

function sizeOf(pieces: Piece[]): number {
  let total = Math.max(0, pieces.length - 1);
  for (const piece of pieces) total += piece.bytes;
  return total;
}

/** One line, or pieces of at most maxBytes bytes of it, split between code points. */
function piecesOf(line: string, lineNumber: number, maxBytes: number): Piece[] {
  const bytes = Buffer.byteLength(line);
  if (bytes <= maxBytes) return [{ line: lineNumber, text: line, bytes }];
  const pieces: Piece[] = [];
  let text = '';
  let size = 0;
  for (const char of line) {
    const charBytes = Buffer.byteLength(char);
    if (size + charBytes > maxBytes) {
      pieces.push({ line: lineNumber, text, bytes: size });
      text = '';
      size = 0;
    }
    text += char;
    size += charBytes;
  }
  if (text !== '') pieces.push({ line: lineNumber, text, bytes: size });
  return pieces;
}
