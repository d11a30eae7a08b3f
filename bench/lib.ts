// Shared by the benchmarks: temp workspaces, the real CLI, run records.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDaemonInfo } from '../src/daemon/paths.js';
import { readRunRecord } from '../src/report/run-record.js';
import type { RunRecord } from '../src/report/run-record.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(REPO, 'bin', 'runner.cjs');

/** The `--name value` pairs of the command line, by name. */
export function commandLineOptions(): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 2; i < process.argv.length; i += 2)
    options.set(String(process.argv[i]).replace(/^--/, ''), String(process.argv[i + 1]));
  return options;
}

export function tempWorkspace(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `runner-bench-${name}-`));
  return dir;
}

export function write(dir: string, relative: string, content: string): void {
  const file = path.join(dir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

export interface CliRun {
  code: number | null;
  wallMs: number;
  record: RunRecord;
  stderr: string;
}

/**
 * Runs `runner ...args` in `dir` and returns its run record. Asynchronous, so
 * a server in the benchmark's own process keeps answering meanwhile.
 */
export async function runCli(dir: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, CI: 'true', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - started;
  const result = { status, stderr };
  if (result.status !== 0)
    throw new Error(`runner ${args.join(' ')} exited ${result.status}:\n${result.stderr.slice(-3000)}`);
  const record = readRunRecord(path.join(dir, '.runner', 'runs'));
  if (!record) throw new Error(`no run record in ${dir}: ${result.stderr}`);
  return { code: result.status, wallMs, record, stderr: result.stderr };
}

export function stage(record: RunRecord, name: string): RunRecord['stages'][number] {
  const found = record.stages.find((s) => s.stage === name);
  if (!found) throw new Error(`no stage ${name} in run ${record.runId}`);
  return found;
}

export function mib(bytes: number | undefined): string {
  return bytes === undefined ? '?' : `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** Replaces `key: value` lines of one stage in a pipelines.yaml (knob edits between runs). */
export function setKnob(dir: string, stageName: string, knob: string, value: string): void {
  const file = path.join(dir, 'pipelines.yaml');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === `${stageName}:`);
  if (start === -1) throw new Error(`no stage ${stageName}`);
  const indent = (lines[start + 1] ?? '').match(/^\s*/)?.[0] ?? '        ';
  let end = start + 1;
  while (end < lines.length && (lines[end] ?? '').startsWith(indent)) end++;
  const at = lines.slice(start + 1, end).findIndex((l) => l.trim().startsWith(`${knob}:`));
  if (at === -1) lines.splice(start + 1, 0, `${indent}${knob}: ${value}`);
  else lines[start + 1 + at] = `${indent}${knob}: ${value}`;
  fs.writeFileSync(file, lines.join('\n'));
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const out = [`| ${headers.join(' | ')} |`, `|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) out.push(`| ${row.join(' | ')} |`);
  return out.join('\n');
}

export function machine(): string {
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
}

/**
 * `count` runs of `runner <args>` in `dir` answered by a daemon started for
 * them and stopped after, as on a laptop (outside CI a run goes to its
 * workspace's daemon): their wall times in ms. `time` runs the CLI with the
 * given environment added and returns its wall time. The first run starts
 * the daemon, the second is its first answer once it is ready (done with
 * the rehearsals it warms up with, as a person's next command a few seconds
 * later finds it); neither is counted. `before`, when given, runs before
 * each counted run, the daemon's environment given (an edit and its run).
 */
export function daemonTimes(
  dir: string,
  args: string[],
  count: number,
  time: (env: Record<string, string>) => number = (env) => timedCli(dir, args, env),
  before?: (env: Record<string, string>) => void,
): number[] {
  const daemon = { RUNNER_DAEMON: '1' };
  time(daemon);
  const info = path.join(dir, '.runner', 'daemon.json');
  const deadline = Date.now() + 60_000;
  const isReady = (): boolean => readDaemonInfo(info)?.readyAt !== undefined;
  while (!isReady() && Date.now() < deadline) spawnSync('sleep', ['0.05']);
  if (!isReady()) throw new Error(`the daemon did not start (or warm up) in ${dir}`);
  time(daemon);
  const times = Array.from({ length: count }, () => {
    before?.(daemon);
    return time(daemon);
  });
  const stopped = spawnSync(process.execPath, [BIN, 'daemon', 'stop'], { cwd: dir, encoding: 'utf8' });
  if (stopped.status !== 0) throw new Error(`runner daemon stop exited ${stopped.status}:\n${stopped.stderr}`);
  return times;
}

/** Wall time in ms of `runner <args>` in `dir` (`base`, CI set, `env` added); throws when it fails. */
export function timedCli(
  dir: string,
  args: string[],
  env: Record<string, string>,
  base: NodeJS.ProcessEnv = process.env,
): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...base, CI: 'true', ...env },
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  if (result.status !== 0)
    throw new Error(`runner ${args.join(' ')} exited ${result.status}:\n${result.stderr.slice(-3000)}`);
  return ms;
}
