// The acceptance workspace of the cache e2e tests: 240 input files and a
// pipeline `p` of six shell stages in two independent branches,
//
//   a/*.txt    -> a1 -> a2 -> a3
//   b/**/*.txt -> b1 -> b2 -> b3      (b2 uses the pipeline param `salt`
//                                      and its own param `level`)
//
// Each command hashes its inputs into its declared output and appends its
// name to log.txt, so a test knows what really executed, not only what the
// events claim. a1 strips spaces before hashing: an edit that only adds a
// space reruns a1 and leaves its output unchanged (early cutoff).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { outcomes, Workspace } from '../e2e/rig.js';
import type { CliResult } from '../e2e/rig.js';

export const A_BRANCH = ['a1', 'a2', 'a3'];
export const B_BRANCH = ['b1', 'b2', 'b3'];
export const STAGES = [...A_BRANCH, ...B_BRANCH];
export const OUTPUTS = STAGES.map((s) => `out/${s}.txt`);

export interface DagOptions {
  /** Extra YAML lines per stage (indented by the helper), e.g. knobs. */
  extra?: Partial<Record<string, string[]>>;
  /** b2's own param. */
  level?: number;
  /** Lines under `defaults:`. */
  defaults?: string[];
}

export function dagYaml(options: DagOptions = {}): string {
  const stage = (name: string, lines: string[]): string =>
    [`      ${name}:`, ...lines, ...(options.extra?.[name] ?? [])]
      .map((l, i) => (i === 0 ? l : `        ${l}`))
      .join('\n');
  return [
    'version: 1',
    ...(options.defaults ? ['defaults:', ...options.defaults.map((l) => `  ${l}`)] : []),
    'pipelines:',
    '  p:',
    '    params: { salt: one }',
    '    stages:',
    stage('a1', [
      `shell: "echo a1 >> log.txt && mkdir -p out && cat a/*.txt | tr -d ' ' | sha256sum > out/a1.txt"`,
      'inputs: ["a/*.txt"]',
      'outputs: [out/a1.txt]',
    ]),
    stage('a2', [
      'needs: [a1]',
      'shell: "echo a2 >> log.txt && sha256sum out/a1.txt > out/a2.txt"',
      'outputs: [out/a2.txt]',
    ]),
    stage('a3', [
      'needs: [a2]',
      'shell: "echo a3 >> log.txt && cat out/a2.txt out/a2.txt | sha256sum > out/a3.txt"',
      'outputs: [out/a3.txt]',
    ]),
    stage('b1', [
      `shell: "echo b1 >> log.txt && mkdir -p out && find b -name '*.txt' | LC_ALL=C sort | xargs cat | sha256sum > out/b1.txt"`,
      'inputs: ["b/**/*.txt"]',
      'outputs: [out/b1.txt]',
    ]),
    stage('b2', [
      'needs: [b1]',
      'shell: "echo b2 >> log.txt && (cat out/b1.txt; echo salt=${params.salt} level=${params.level}) | sha256sum > out/b2.txt"',
      `params: { level: ${options.level ?? 1} }`,
      'outputs: [out/b2.txt]',
    ]),
    stage('b3', [
      'needs: [b2]',
      'shell: "echo b3 >> log.txt && cat out/b2.txt | sha256sum > out/b3.txt"',
      'outputs: [out/b3.txt]',
    ]),
    '',
  ].join('\n');
}

export interface ExecResult extends CliResult {
  /** Stage commands that really executed, in the order they appended to log.txt. */
  executed: string[];
  outcome: Record<string, string>;
}

export class DagWorkspace extends Workspace {
  readonly inputs: string[] = [];

  constructor(options: DagOptions = {}) {
    super('runner-cache-e2e-');
    for (let i = 0; i < 120; i++) this.#input(`a/f${String(i).padStart(3, '0')}.txt`, `alpha line ${i}\n`);
    for (let i = 0; i < 60; i++) this.#input(`b/x/g${String(i).padStart(3, '0')}.txt`, `beta x ${i}\n`);
    for (let i = 0; i < 60; i++) this.#input(`b/y/h${String(i).padStart(3, '0')}.txt`, `beta y ${i}\n`);
    this.configure(options);
  }

  #input(relative: string, content: string): void {
    this.write(relative, content);
    this.inputs.push(relative);
  }

  configure(options: DagOptions): void {
    this.write('pipelines.yaml', dagYaml(options));
  }

  /** `runner exec p --json ...args`, with what ran according to log.txt (which it then empties). */
  async exec(...args: string[]): Promise<ExecResult> {
    return this.execWith({}, ...args);
  }

  async execWith(env: Record<string, string>, ...args: string[]): Promise<ExecResult> {
    const result = await this.run(['exec', 'p', '--json', ...args], { env });
    const log = this.path('log.txt');
    const executed = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    fs.rmSync(log, { force: true });
    return { ...result, executed, outcome: outcomes(result.events) };
  }

  /** The contents of every output, by path. */
  outputs(): Record<string, string | undefined> {
    return Object.fromEntries(OUTPUTS.map((o) => [o, this.exists(o) ? this.read(o) : undefined]));
  }

  /** Sets every input's mtime to `ms` (default: now), content untouched. */
  touchInputs(ms = Date.now()): void {
    const at = new Date(ms);
    for (const input of this.inputs) fs.utimesSync(this.path(input), at, at);
  }

  /** .runner/state.json as data. */
  state(): {
    format: number;
    stages: Record<string, { fingerprint: string; createdAt: number; outputs: { path: string; hash: string }[] }>;
  } {
    return JSON.parse(this.read('.runner/state.json')) as ReturnType<DagWorkspace['state']>;
  }

  writeState(state: ReturnType<DagWorkspace['state']>): void {
    this.write('.runner/state.json', JSON.stringify(state));
  }

  /** The object-store file of a stage's first recorded output. */
  blobOf(stage: string): string {
    const hash = this.state().stages[`p/${stage}`]?.outputs[0]?.hash;
    if (!hash) throw new Error(`no recorded output for p/${stage}`);
    const raw = this.path('.runner/objects', hash);
    return fs.existsSync(raw) ? raw : `${raw}.gz`;
  }

  /** Every file under .runner/objects (relative), sorted. */
  objectFiles(): string[] {
    const dir = this.path('.runner/objects');
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => /^[0-9a-f]{64}(\.gz)?$/.test(f) && fs.statSync(path.join(dir, f)).isFile())
      .sort();
  }
}

const made: Workspace[] = [];
afterEach(() => {
  for (const ws of made.splice(0)) ws.remove();
});

/** A DagWorkspace removed after the current test. */
export function dagWorkspace(options: DagOptions = {}): DagWorkspace {
  const ws = new DagWorkspace(options);
  made.push(ws);
  return ws;
}

/** A DagWorkspace after a first, successful run of everything. */
export async function warmDagWorkspace(options: DagOptions = {}): Promise<DagWorkspace> {
  const ws = dagWorkspace(options);
  const first = await ws.exec();
  if (first.code !== 0 || first.executed.length !== STAGES.length) {
    throw new Error(
      `the first run failed (exit ${first.code}, executed ${first.executed.join(',')}):\n${first.stderr}`,
    );
  }
  return ws;
}

export function byOutcome(outcome: Record<string, string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [stage, o] of Object.entries(outcome)) {
    out[o] ??= [];
    out[o].push(stage);
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

export function warnings(events: RunEvent[]): string[] {
  return events.flatMap((e) => (e.event === 'warning' ? [e.message] : []));
}

export function runEnd(events: RunEvent[]): Extract<RunEvent, { event: 'run:end' }> {
  const end = events.find((e): e is Extract<RunEvent, { event: 'run:end' }> => e.event === 'run:end');
  if (!end) throw new Error('no run:end event');
  return end;
}
