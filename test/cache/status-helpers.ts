// `runner status` for the cache e2e tests: the JSON stages and the table.
import { expect } from 'vitest';
import type { Why } from '../../src/cache/why.js';
import type { Workspace } from '../e2e/rig.js';

export interface StatusLine {
  pipeline: string;
  stage: string;
  wouldRun: boolean;
  action: 'run' | 'cached' | 'restore' | 'fail';
  reason: string;
  why?: Why;
}

export interface Status {
  byStage: Record<string, StatusLine>;
  /** stage -> reason */
  reasons: Record<string, string>;
  /** The human table, for the same state. */
  table: string;
}

/** Runs `status p --json` and `status p` with the same arguments and environment. */
export async function status(ws: Workspace, args: string[] = [], env: Record<string, string> = {}): Promise<Status> {
  const json = await ws.run(['status', 'p', '--json', ...args], { env });
  expect(json.code, json.stderr).toBe(0);
  const stages = (JSON.parse(json.stdout) as { stages: StatusLine[] }).stages;
  const text = await ws.run(['status', 'p', ...args], { env });
  expect(text.code, text.stderr).toBe(0);
  const byStage = Object.fromEntries(stages.map((s) => [s.stage, s]));
  return { byStage, reasons: Object.fromEntries(stages.map((s) => [s.stage, s.reason])), table: text.stdout };
}

/** The table line of one stage: `p/<stage>  <verdict>  <reason>`. */
export function tableLine(table: string, stage: string): string {
  const line = table.split('\n').find((l) => l.startsWith(`p/${stage} `));
  if (!line) throw new Error(`no line for p/${stage} in:\n${table}`);
  return line.replace(/\s+/g, ' ').trim();
}
