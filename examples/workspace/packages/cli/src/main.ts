import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@example/core';
import { formatMarkdown, formatText } from '@example/format';
import type { Formatter } from '@example/format';
import { formatHtml } from '@example/format/html';

export type OutputFormat = 'text' | 'markdown' | 'html';

export interface WordyOptions {
  format: OutputFormat;
  width: number;
}

export const DEFAULT_OPTIONS: WordyOptions = { format: 'text', width: 80 };

/** Parses `wordy [--format text|markdown|html] [--width N] FILE`. */
export function parseOptions(argv: readonly string[]): { options: WordyOptions; file: string } {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { format: { type: 'string' }, width: { type: 'string' } },
    allowPositionals: true,
  });
  const format = (values.format ?? DEFAULT_OPTIONS.format) as OutputFormat;
  if (!['text', 'markdown', 'html'].includes(format)) throw new Error(`--format must be text, markdown or html, not ${format}`);
  const file = positionals[0];
  if (file === undefined) throw new Error('usage: wordy [--format text|markdown|html] [--width N] FILE');
  return { options: { format, width: Number(values.width ?? DEFAULT_OPTIONS.width) }, file };
}

/** Runs wordy; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const tokenizer = new Tokenizer();
  const tokens = tokenizer.tokenize(await readFile(parsed.file, 'utf8'));
  const renderers: Record<OutputFormat, Formatter> = { text: formatText, markdown: formatMarkdown, html: formatHtml };
  console.log(renderers[parsed.options.format](tokens, { width: parsed.options.width }));
  console.error(`${tokenizer.count(tokens.map((t) => t.text).join(' '))} words`);
  return 0;
}
