import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs an ESM snippet under tsx; a child still alive after timeoutMs is killed (signal SIGTERM). */
function runModule(source: string, timeoutMs: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
      cwd: root,
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('perf helpers never keep the process alive', () => {
  it('exits promptly with a live SmartCache and a run paused on maxMemory', async () => {
    const script = `
      import { SmartCache } from './src/perf/smart-cache.ts';
      import { ParallelProcessor } from './src/perf/parallel-processor.ts';
      const cache = new SmartCache({ ttl: 60_000, compressionEnabled: true });
      await cache.set('k', 'value '.repeat(100));
      if ((await cache.get('k')) !== 'value '.repeat(100)) process.exit(3);
      // A run paused on maxMemory, waiting on its poll timer, must not hold the process either.
      void new ParallelProcessor(() => new Promise(() => {}), { maxMemory: 1, memoryPollMs: 10 }).process([1, 2, 3]);
      console.log('ready');
    `;
    const exit = await runModule(script, 8_000);
    expect(exit).toEqual({ code: 0, signal: null, stdout: 'ready\n', stderr: '' });
  }, 20_000);
});
