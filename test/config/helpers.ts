// In-process config checks: pipelines.yaml text -> the diagnostics the CLI
// would print, through the same pure steps analyse() takes (parse, validate,
// plan), without touching the file system.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseYaml } from '../../src/config/parse.js';
import { planConfig } from '../../src/config/plan.js';
import { validateConfig } from '../../src/config/validate.js';
import type { Diagnostic } from '../../src/config/diagnostic.js';
import { analyse } from '../../src/engine/analyse.js';
import type { AnalyseOptions } from '../../src/engine/analyse.js';
import { formatDiagnostics } from '../../src/report/diagnostics.js';

export const CWD = path.join(path.sep, 'ws');
export const FILE = path.join(CWD, 'pipelines.yaml');

/** YAML from numbered lines, so a test reads its own line numbers. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

export interface CheckOptions {
  env?: Record<string, string | undefined>;
  paramOverrides?: Record<string, string>;
  pipelinesToCheck?: string[];
}

/** The problems parse + validate + plan find, as data. */
export function problems(text: string, options: CheckOptions = {}): Diagnostic[] {
  const parsed = parseYaml(FILE, text);
  if (!parsed.parsed) return parsed.diagnostics;
  const validated = validateConfig(FILE, parsed.parsed);
  const found = [...parsed.diagnostics, ...validated.diagnostics];
  if (!validated.config || found.length > 0) return found;
  const planned = planConfig(validated.config, {
    file: FILE,
    env: options.env ?? {},
    paramOverrides: options.paramOverrides,
    pipelinesToCheck: options.pipelinesToCheck,
    locate: parsed.parsed.locate,
  });
  return planned.diagnostics;
}

/** What the CLI prints for `text`, or an empty string when it is valid. */
export function diagnose(text: string, options: CheckOptions = {}): string {
  const found = problems(text, options);
  return found.length === 0 ? '' : formatDiagnostics(found, text, CWD);
}

/** A temp workspace holding `text` as pipelines.yaml, for analyse() (which reads the file and caches). */
export function tempConfig(text: string): { dir: string; file: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-config-'));
  const file = path.join(dir, 'pipelines.yaml');
  fs.writeFileSync(file, text);
  return { dir, file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** analyse() on a file, its failure printed as the CLI prints it ('' when it succeeds). */
export async function analyseAndFormat(file: string, options: Partial<AnalyseOptions> = {}): Promise<string> {
  const result = await analyse({ file, env: {}, runnerVersion: 'test', ...options });
  return result.ok ? '' : formatDiagnostics(result.diagnostics, result.source, path.dirname(file));
}

/** One row of a diagnostics table: pipelines.yaml text in, exactly what the CLI prints out. */
export interface DiagnosticCase {
  name: string;
  text: string;
  options?: CheckOptions;
  /** The printed lines (joined with '\n' to compare), or '' for a valid file. */
  expected: string[] | '';
}

/** The text a DiagnosticCase expects diagnose() to return. */
export function expectedOutput(expected: DiagnosticCase['expected']): string {
  return expected === '' ? '' : expected.join('\n');
}

/** Table rows for `it.each(byName(cases))('%s', ...)`: a '$name' title would be quoted and cut at 40 characters. */
export function byName(cases: DiagnosticCase[]): [string, DiagnosticCase][] {
  return cases.map((row) => [row.name, row]);
}
