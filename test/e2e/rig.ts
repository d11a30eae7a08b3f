// Drives the real CLI (bin/runner.cjs, built from src by the test command)
// in a temporary workspace.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '../../src/engine/events.js';
import { readRunRecord } from '../../src/report/run-record.js';
import type { RunRecord } from '../../src/report/run-record.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(REPO, 'bin', 'runner.cjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Parsed `--json` events (when --json was given). */
  events: RunEvent[];
}

export class Workspace {
  readonly dir: string;

  /** `parent`: where to make it (a tmpfs, for a test that makes thousands of files). */
  constructor(prefix = 'runner-test-', parent = os.tmpdir()) {
    this.dir = fs.mkdtempSync(path.join(parent, prefix));
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  write(relative: string, content: string): void {
    const file = this.path(relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }

  read(relative: string): string {
    return fs.readFileSync(this.path(relative), 'utf8');
  }

  exists(relative: string): boolean {
    return fs.existsSync(this.path(relative));
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs `runner ...args` in this workspace. */
  run(
    args: string[],
    options: {
      env?: Record<string, string>;
      cwd?: string;
      signalAfterMs?: number;
      signal?: NodeJS.Signals;
      /** Told the stderr so far after each chunk, with a way to signal the process (the test's control, not a clock). */
      onStderr?: (stderr: string, kill: (signal: NodeJS.Signals) => void) => void;
      /** The same for stdout (with --json: the events so far). */
      onStdout?: (stdout: string, kill: (signal: NodeJS.Signals) => void) => void;
    } = {},
  ): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: options.cwd ?? this.dir,
        env: { ...process.env, CI: 'true', NO_COLOR: '1', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        options.onStdout?.(stdout, (signal) => child.kill(signal));
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        options.onStderr?.(stderr, (signal) => child.kill(signal));
      });
      if (options.signalAfterMs !== undefined)
        setTimeout(() => child.kill(options.signal ?? 'SIGINT'), options.signalAfterMs);
      child.on('error', reject);
      child.on('close', (code) => {
        try {
          const events = stdout
            .split('\n')
            .filter((line) => line.startsWith('{"event"'))
            .map((line) => JSON.parse(line) as RunEvent);
          resolve({ code, stdout, stderr, events });
        } catch (error) {
          // A cut-off event line fails the test that ran it, not the suite later.
          reject(
            new Error(
              `runner ${args.join(' ')}: an event line is not JSON (${(error as Error).message}); exit ${code}`,
            ),
          );
        }
      });
    });
  }
}

/** A run's run:start event. */
export function runStart(events: RunEvent[]): Extract<RunEvent, { event: 'run:start' }> | undefined {
  return events.find((e): e is Extract<RunEvent, { event: 'run:start' }> => e.event === 'run:start');
}

/** stage:end events of a run, by stage name. */
export function outcomes(events: RunEvent[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const event of events) if (event.event === 'stage:end') out[event.stage] = event.outcome;
  return out;
}

export function stageEnd(events: RunEvent[], stage: string): Extract<RunEvent, { event: 'stage:end' }> {
  const found = events.find(
    (e): e is Extract<RunEvent, { event: 'stage:end' }> => e.event === 'stage:end' && e.stage === stage,
  );
  if (!found) throw new Error(`no stage:end for ${stage}`);
  return found;
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The environment under which `exec` (outside CI, as the rig runs it) asks and starts a workspace's daemon. */
export const DAEMON = { RUNNER_DAEMON: '1' };

/**
 * A cold run of `pipeline`, then a no-op run in its own process (neither
 * answered by a daemon): that one starts the daemon (RUNNER_DAEMON=1), whose pid this is.
 */
export async function startDaemon(ws: Workspace, pipeline: string): Promise<number> {
  const cold = await ws.run(['exec', pipeline, '--json'], { env: DAEMON });
  if (cold.code !== 0) throw new Error(`the cold run exited ${cold.code}:\n${cold.stderr}`);
  if (ws.exists('.runner/daemon.json')) throw new Error('a daemon started after a cold run');
  const noop = await ws.run(['exec', pipeline, '--json'], { env: DAEMON });
  if (noop.code !== 0 || runStart(noop.events)?.daemon)
    throw new Error(
      `the no-op run exited ${noop.code}${runStart(noop.events)?.daemon ? ', answered by a daemon' : ''}`,
    );
  return daemonStarted(ws);
}

/** The pid of the workspace's daemon, once it has written .runner/daemon.json (renamed into place whole). */
export function daemonStarted(ws: Workspace): Promise<number> {
  return waitFor(
    () =>
      ws.exists('.runner/daemon.json')
        ? (JSON.parse(ws.read('.runner/daemon.json')) as { pid: number }).pid
        : undefined,
    10_000,
    'the daemon to start',
  );
}

/** Whether a process with this pid exists (signal 0 only checks; zombies count as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie (exited, not yet reaped by a pid-1 that never reaps) has state Z.
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * Kills a workspace's daemon (if it still runs) and waits for it to be gone: a daemon killed while it
 * rehearses may still be writing in .runner, and a workspace removed meanwhile fails (ENOTEMPTY).
 */
export async function killDaemon(pid: number | undefined): Promise<void> {
  if (pid === undefined || !isAlive(pid)) return;
  process.kill(pid, 'SIGKILL');
  await waitFor(() => (isAlive(pid) ? undefined : true), 10_000, `daemon ${pid} to exit`);
}

export interface SignalledResult extends CliResult {
  /** Milliseconds from sending the signal to the process exiting. */
  exitAfterSignalMs: number;
}

/**
 * Runs `runner ...args` in the workspace and sends `signal` (default SIGINT)
 * as soon as `whenExists` (workspace-relative) has content, so the signal
 * always lands while the stage that writes the file is running.
 */
export function runAndSignal(
  ws: Workspace,
  args: string[],
  options: {
    whenExists: string;
    signal?: NodeJS.Signals;
    timeoutMs?: number;
    env?: Record<string, string>;
    /** Called once the signal is sent (to release a stage that holds the process until then). */
    afterSignal?: () => void;
  },
): Promise<SignalledResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ws.dir,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalledAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    const poll = setInterval(() => {
      const file = ws.path(options.whenExists);
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() !== '') {
        clearInterval(poll);
        signalledAt = Date.now();
        child.kill(options.signal ?? 'SIGINT');
        options.afterSignal?.();
      } else if (Date.now() > deadline) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 20);
    child.on('error', (error) => {
      clearInterval(poll);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(poll);
      const events = stdout
        .split('\n')
        .filter((line) => line.startsWith('{"event"'))
        .map((line) => JSON.parse(line) as RunEvent);
      if (signalledAt === undefined)
        return reject(new Error(`runner exited (code ${code}) before ${options.whenExists} appeared\n${stderr}`));
      resolve({ code, stdout, stderr, events, exitAfterSignalMs: Date.now() - signalledAt });
    });
  });
}

/** Lines of a workspace file, trimmed, without blank ones. */
export function fileLines(ws: Workspace, relative: string): string[] {
  return ws
    .read(relative)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** The run record of the most recent run in a workspace. */
export function lastRunRecord(ws: Workspace): RunRecord {
  const record = readRunRecord(ws.path('.runner', 'runs'));
  if (!record) throw new Error('no run record');
  return record;
}
