import type { Token } from '@example/core';

export interface FormatOptions {
  /** Wrap lines at this width; 0 never wraps. */
  width?: number;
  bullet?: '-' | '*';
}

export type Formatter = (tokens: readonly Token[], options?: FormatOptions) => string;

/** Tokens back to text, wrapped at `options.width`. */
export function formatText(tokens: readonly Token[], options: FormatOptions = {}): string {
  const width = options.width ?? 0;
  let line = '';
  const lines: string[] = [];
  for (const token of tokens) {
    const piece = token.kind === 'punctuation' || line === '' ? token.text : ` ${token.text}`;
    if (width > 0 && line.length + piece.length > width && line !== '') {
      lines.push(line);
      line = token.text;
    } else {
      line += piece;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/** One Markdown list item per sentence. */
export function formatMarkdown(tokens: readonly Token[], options: FormatOptions = {}): string {
  const bullet = options.bullet ?? '-';
  return splitSentences(tokens)
    .map((sentence) => `${bullet} ${formatText(sentence, { width: 0 })}`)
    .join('\n');
}

function splitSentences(tokens: readonly Token[]): Token[][] {
  const sentences: Token[][] = [[]];
  for (const token of tokens) {
    sentences.at(-1)?.push(token);
    if (token.kind === 'punctuation' && /[.!?]/.test(token.text)) sentences.push([]);
  }
  return sentences.filter((sentence) => sentence.length > 0);
}

export { formatHtml } from './html.js';
