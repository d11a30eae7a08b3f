// Drives the real CLI (bin/runner.cjs, built from src by the test command)
// in a temporary workspace.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '../../src/engine/events.js';

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

  constructor(prefix = 'runner-test-') {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
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
  run(args: string[], options: { env?: Record<string, string>; cwd?: string; signalAfterMs?: number; signal?: NodeJS.Signals } = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: options.cwd ?? this.dir,
        env: { ...process.env, CI: 'true', NO_COLOR: '1', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      if (options.signalAfterMs !== undefined) setTimeout(() => child.kill(options.signal ?? 'SIGINT'), options.signalAfterMs);
      child.on('error', reject);
      child.on('close', (code) => {
        const events = stdout
          .split('\n')
          .filter((line) => line.startsWith('{"event"'))
          .map((line) => JSON.parse(line) as RunEvent);
        resolve({ code, stdout, stderr, events });
      });
    });
  }
}

/** stage:end events of a run, by stage name. */
export function outcomes(events: RunEvent[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const event of events) if (event.event === 'stage:end') out[event.stage] = event.outcome;
  return out;
}

export function stageEnd(events: RunEvent[], stage: string): Extract<RunEvent, { event: 'stage:end' }> {
  const found = events.find((e): e is Extract<RunEvent, { event: 'stage:end' }> => e.event === 'stage:end' && e.stage === stage);
  if (!found) throw new Error(`no stage:end for ${stage}`);
  return found;
}
