// Config problems as the user reads them: file:line:col, the field path, the
// message, and the offending line with the span underlined.
import path from 'node:path';
import type { Diagnostic } from '../config/diagnostic.js';
import { byPosition } from '../config/diagnostic.js';

export function formatDiagnostic(diagnostic: Diagnostic, source: string | undefined, cwd: string): string {
  const file = path.relative(cwd, diagnostic.file) || diagnostic.file;
  const where = diagnostic.isCommandLine
    ? 'command line:'
    : diagnostic.position
      ? `${file}:${diagnostic.position.line}:${diagnostic.position.col}`
      : file;
  const head = `${where} ${diagnostic.path ? `${diagnostic.path} ` : ''}${diagnostic.message}`;
  const position = diagnostic.position;
  const text = position && source !== undefined ? source.split(/\r?\n/)[position.line - 1] : undefined;
  if (!position || text === undefined) return head;
  const gutter = String(position.line).length;
  const visible = text.replace(/\t/g, ' ');
  const underline =
    ' '.repeat(position.col - 1) +
    '^'.repeat(Math.max(1, Math.min(position.length, visible.length - position.col + 1)));
  return `${head}\n  ${String(position.line)} | ${visible}\n  ${' '.repeat(gutter)} | ${underline}`;
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], source: string | undefined, cwd: string): string {
  // Problems from different checks (duplicate keys, schema, DAG) arrive in
  // separate lists; the reader gets them in file order.
  const sorted = [...diagnostics].sort(byPosition);
  const lines = sorted.map((d) => formatDiagnostic(d, source, cwd));
  const count = diagnostics.length;
  const file = path.relative(cwd, diagnostics[0]?.file ?? '') || 'pipelines.yaml';
  const where = diagnostics.every((d) => d.isCommandLine) ? 'on the command line' : `in ${file}`;
  return `${lines.join('\n')}\n${count} problem${count === 1 ? '' : 's'} ${where}`;
}
