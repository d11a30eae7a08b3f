// Builtin modules a no-op run never needs, loaded on first use. Loading
// child_process (which brings net, dgram and the streams), worker_threads, v8
// and zlib when the bundle starts cost a no-op run several milliseconds.
import { requirePackage } from './require.js';

function lazily<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requirePackage(name) as T);
}

export const childProcess = lazily<typeof import('node:child_process')>('node:child_process');
export const workerThreads = lazily<typeof import('node:worker_threads')>('node:worker_threads');
export const v8 = lazily<typeof import('node:v8')>('node:v8');
export const zlib = lazily<typeof import('node:zlib')>('node:zlib');
export const streams = lazily<typeof import('node:stream')>('node:stream');
export const streamPromises = lazily<typeof import('node:stream/promises')>('node:stream/promises');
