// A problem in pipelines.yaml, pointing at its source. Formatting lives in
// report/, this is data only.

export interface SourcePosition {
  line: number; // 1-based
  col: number; // 1-based
  /** Characters to underline from `col` on the same line. */
  length: number;
}

export interface Diagnostic {
  file: string;
  position?: SourcePosition;
  /** Field path in plain words, e.g. pipelines.simtask.stages.embed.concurrency. */
  path: string;
  message: string;
  /** A problem of the command line (a --param), found against `file`: said as the command line's. */
  isCommandLine?: boolean;
}

/** Diagnostics in source order: by line, then column; those without a position (--param problems) first. */
export function byPosition(a: Diagnostic, b: Diagnostic): number {
  return (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.col ?? 0) - (b.position?.col ?? 0);
}

export class ConfigError extends Error {
  readonly diagnostics: Diagnostic[];
  readonly source: string | undefined;

  constructor(diagnostics: Diagnostic[], source?: string) {
    super(diagnostics.map((d) => `${d.path} ${d.message}`).join('\n'));
    this.name = 'ConfigError';
    this.diagnostics = diagnostics;
    this.source = source;
  }
}

export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
