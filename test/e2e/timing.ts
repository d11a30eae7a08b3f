// Real start and end times of shell stages, written by the stages themselves:
// stage:start is emitted when a stage is decided, before it gets a job slot,
// so only the commands know when they really ran.
import { fileLines } from './rig.js';
import type { Workspace } from './rig.js';

/** A shell command that records its start and end (ns) in `log`, around `body`. */
export function timed(name: string, body: string, log = 'times.log'): string {
  return `echo "start ${name} $(date +%s%N)" >> ${log}; ${body}; echo "end ${name} $(date +%s%N)" >> ${log}`;
}

export interface Span {
  start: bigint;
  end: bigint;
}

export function spans(ws: Workspace, log = 'times.log'): Map<string, Span> {
  const partial = new Map<string, Partial<Span>>();
  for (const line of fileLines(ws, log)) {
    const [edge, name, ns] = line.split(' ');
    if ((edge !== 'start' && edge !== 'end') || !name || !ns || !/^\d+$/.test(ns))
      throw new Error(`bad timing line: ${line}`);
    partial.set(name, { ...partial.get(name), [edge]: BigInt(ns) });
  }
  const out = new Map<string, Span>();
  for (const [name, span] of partial) {
    if (span.start === undefined || span.end === undefined) throw new Error(`${name} has no complete span`);
    out.set(name, { start: span.start, end: span.end });
  }
  return out;
}

export function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}
