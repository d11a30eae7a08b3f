// A pool of worker threads (isolate: worker) or child processes (isolate:
// process), sized to the cores and shared by every map stage of a run, so
// CPU-bound items never oversubscribe the machine. One batch per worker at a
// time; batches wait in FIFO order.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Readable } from 'node:stream';
import { childProcess, workerThreads } from '../../util/builtins.js';
import { withDeadline } from '../../util/deadline.js';
import { itemResults } from './batch-wire.js';
import type { BatchAnswer } from './batch-wire.js';
import { BatchMemory } from './batch-memory.js';

export interface BatchContext {
  pipeline: string;
  stage: string;
  params: Record<string, unknown>;
  env: Record<string, string>;
  outputs: readonly string[];
  root: string;
  stateDir: string;
  tmp: string;
  /** Whether the items are files (foreach: { files }), which ctx.read reads. */
  files?: boolean;
  /** ctx.code. */
  code: string;
  /**
   * The stage's declared `inputs` (not the files it maps), with the hashes
   * its key has them at: a remote worker checks its checkout has the same
   * (its own copies are what the stage's code reads there).
   */
  inputs?: [file: string, hash: string][];
  /** Set by a remote worker (`host (pid N)`): the files its items read are its checkout's. */
  worker?: string;
}

/**
 * A batch carries its items as one text of JSON lines; the worker parses
 * them, computes, applies the stage's emit and cacheable, and answers with
 * one text of output lines (batch-wire.ts), so the main thread, which every
 * worker shares, moves a string each way per batch (and parses items only
 * to key them, for a stage with its own key).
 */
export type FromPool =
  | {
      type: 'batch';
      id: number;
      module: string;
      exportName: string;
      /** The items' JSON lines, each ending in a newline, as UTF-8. */
      items: Uint8Array;
      /** Each item's ctx.index, in memory of its own (off the worker's heap, as the items are). */
      indexes: Float64Array;
      context: BatchContext;
    }
  | { type: 'abort'; id: number }
  /** Load a stage's module and run its setup() now, ahead of its first batch. */
  | { type: 'warm'; module: string; exportName: string; root: string };

export type ItemResult =
  | { ok: true; value: unknown }
  | LinesResult
  | { ok: false; error: { message: string; stack?: string } };

/**
 * An item computed by a pool: its output records as the UTF-8 bytes of JSON
 * lines (each ending in a newline), how many, and its raw result as JSON
 * where the stage keeps raw results (its emit needs the current item).
 */
export interface LinesResult {
  ok: true;
  out: Uint8Array;
  records: number;
  raw?: Uint8Array | string;
  isCacheable?: false;
}

/** `items`: a worker thread hands the batch's items' memory back for the next batch (batch-memory.ts). */
export type ToPool =
  | { type: 'done'; id: number; answer: BatchAnswer; items?: ArrayBuffer }
  | { type: 'fatal'; id: number; error: { message: string; stack?: string }; items?: ArrayBuffer }
  | { type: 'log'; id: number; line: string };

export interface BatchRequest {
  module: string;
  exportName: string;
  /**
   * The items' JSON lines, each ending in a newline, as UTF-8, in memory
   * of their own (the pool's itemBytes, or ownedUtf8): handed over, as a
   * worker thread may be given its memory.
   */
  items: Uint8Array;
  /** Each item's position in the stage's input (ctx.index). */
  indexes: number[];
  context: BatchContext;
  signal: AbortSignal;
  onLog(line: string): void;
}

/** Where a run sends its map batches: this machine's WorkerPool, or remote workers (remote-pool.ts). */
export interface BatchPool {
  run(request: BatchRequest): Promise<ItemResult[]>;
  /** Memory for `size` bytes of a batch's items (BatchRequest.items), where the pool reuses memory its workers give back. */
  itemBytes?(size: number): Uint8Array;
  /**
   * Prepares for a stage's first batch while the main thread is busy
   * elsewhere (its module loaded once `ready`); nothing is answered.
   */
  warm(module: { module: string; exportName: string; root: string }, ready?: Promise<void>): void;
  close(): Promise<void>;
}

/**
 * An error no other attempt of a stage's batches can avoid (remote workers
 * that refuse the stage's code, a queue that cannot be reached): the stage
 * fails with it, instead of failing, and retrying, each of its items.
 */
export class StageFatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageFatalError';
  }
}

interface Slot {
  send(message: FromPool): void;
  on(listener: (message: ToPool) => void): void;
  onExit(listener: (reason: string) => void): void;
  stop(): Promise<void>;
}

interface Job {
  request: BatchRequest;
  resolve(results: ItemResult[]): void;
  reject(error: Error): void;
  /** Detaches the job's abort listener once it settles. */
  release?: () => void;
}

let nextId = 1;

export class WorkerPool implements BatchPool {
  readonly #size: number;
  readonly #kind: 'worker' | 'process';
  readonly #idle: Slot[] = [];
  readonly #all: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #running = new Map<Slot, { id: number; job: Job }>();
  /** Slots whose batch was given up on (its stage cancelled or timed out) while it ran: stopped once it answers, or at close. */
  readonly #abandoned = new Set<Slot>();
  /** Worker threads: the batches' items' memory, reused (a child process gets a copy, and gives nothing back). */
  readonly #memory: BatchMemory | undefined;

  constructor(options: { size: number; kind: 'worker' | 'process' }) {
    this.#size = options.size;
    this.#kind = options.kind;
    this.#memory = options.kind === 'worker' ? new BatchMemory() : undefined;
  }

  itemBytes(size: number): Uint8Array {
    return this.#memory?.take(size) ?? Buffer.allocUnsafeSlow(size);
  }

  run(request: BatchRequest): Promise<ItemResult[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#pump();
    });
  }

  /**
   * Starts every slot now and, once `ready` (its TypeScript compiled), has
   * each load a stage's module (and run its setup) while the main thread is
   * busy elsewhere: a worker's start is mostly loading code. Nothing is
   * answered; the first batch waits for the same load, and a load that
   * failed fails that batch.
   */
  warm(module: { module: string; exportName: string; root: string }, ready = Promise.resolve()): void {
    while (this.#all.length < this.#size) this.#idle.push(this.#spawn());
    void ready.then(() => {
      for (const slot of this.#all) slot.send({ type: 'warm', ...module });
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#all, ...this.#abandoned].map((slot) => slot.stop()));
    this.#abandoned.clear();
    this.#all.length = 0;
    this.#idle.length = 0;
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const slot = this.#idle.pop() ?? (this.#all.length < this.#size ? this.#spawn() : undefined);
      if (!slot) return;
      const job = this.#queue.shift();
      if (!job) {
        this.#idle.push(slot);
        return;
      }
      if (job.request.signal.aborted) {
        this.#idle.push(slot);
        job.reject(new Error('cancelled'));
        continue;
      }
      const id = nextId++;
      this.#running.set(slot, { id, job });
      const { request } = job;
      const onAbort = (): void => this.#abandon(slot, id, request.signal.reason);
      request.signal.addEventListener('abort', onAbort, { once: true });
      job.release = () => request.signal.removeEventListener('abort', onAbort);
      slot.send({
        type: 'batch',
        id,
        module: request.module,
        exportName: request.exportName,
        items: request.items,
        indexes: Float64Array.from(request.indexes),
        context: request.context,
      });
    }
  }

  /**
   * A running batch whose signal aborted: its job fails at once with the
   * signal's reason, even when the stage code ignores the signal and would
   * never answer. The worker gets the abort (code that listens can wind
   * down) and leaves the pool, whose next batch gets a new one.
   */
  #abandon(slot: Slot, id: number, reason: unknown): void {
    const current = this.#running.get(slot);
    if (!current || current.id !== id) return;
    slot.send({ type: 'abort', id });
    this.#running.delete(slot);
    this.#all.splice(this.#all.indexOf(slot), 1);
    this.#abandoned.add(slot);
    current.job.release?.();
    current.job.reject(reason instanceof Error ? reason : new Error('cancelled'));
    this.#pump();
  }

  #spawn(): Slot {
    const memory = this.#memory;
    const slot = memory ? workerSlot(memory) : processSlot();
    slot.on((message) => {
      if (message.type !== 'log' && message.items) memory?.give(message.items);
      if (this.#abandoned.has(slot)) {
        if (message.type !== 'log') this.#forget(slot);
        return;
      }
      const current = this.#running.get(slot);
      if (!current || current.id !== message.id) return;
      if (message.type === 'log') {
        current.job.request.onLog(message.line);
        return;
      }
      this.#running.delete(slot);
      this.#idle.push(slot);
      current.job.release?.();
      if (message.type === 'done') this.#answer(current.job, message.answer);
      else current.job.reject(Object.assign(new Error(message.error.message), { stack: message.error.stack }));
      this.#pump();
    });
    slot.onExit((reason) => {
      if (this.#abandoned.delete(slot)) return;
      const index = this.#all.indexOf(slot);
      if (index !== -1) this.#all.splice(index, 1);
      const idleIndex = this.#idle.indexOf(slot);
      if (idleIndex !== -1) this.#idle.splice(idleIndex, 1);
      const current = this.#running.get(slot);
      this.#running.delete(slot);
      current?.job.release?.();
      current?.job.reject(new Error(`${this.#kind} exited while running a batch: ${reason}`));
      this.#pump();
    });
    this.#all.push(slot);
    return slot;
  }

  #answer(job: Job, answer: BatchAnswer): void {
    try {
      job.resolve(itemResults(answer, job.request.indexes.length));
    } catch (error) {
      job.reject(error as Error);
    }
  }

  #forget(slot: Slot): void {
    this.#abandoned.delete(slot);
    void slot.stop();
  }
}

// Source mode (tests run src/ through vitest) loads the TypeScript entry
// through tsx; the bundle ships dist/worker.cjs next to dist/cli.cjs.
function entryPoint(): { file: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts'))
    return { file: fileURLToPath(new URL('./worker-entry.ts', here)), execArgv: ['--import', 'tsx'] };
  return { file: fileURLToPath(new URL('./worker.cjs', here)), execArgv: [] };
}

/**
 * A worker thread on the entry; in source mode tsx is registered by the
 * thread itself (Node 20 does not apply `--import tsx` in a worker). Its
 * environment is a copy of `process.env` as it is now: Node's default is
 * the process's own environment, which is not what `process.env` holds
 * while the daemon runs a warm stage for a command (the command's).
 */
function newWorker(entry: { file: string; execArgv: string[] }): import('node:worker_threads').Worker {
  const { Worker } = workerThreads();
  const env = { ...process.env };
  if (!entry.file.endsWith('.ts')) return new Worker(entry.file, { execArgv: entry.execArgv, env });
  const url = JSON.stringify(pathToFileURL(entry.file).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${url}); });`, {
    eval: true,
    execArgv: [],
    env,
  });
}

function workerSlot(memory: BatchMemory): Slot {
  const worker = newWorker(entryPoint());
  worker.unref();
  return {
    send: (message) =>
      worker.postMessage(
        message,
        message.type === 'batch' ? [...memory.transferable(message.items), message.indexes.buffer as ArrayBuffer] : [],
      ),
    on: (listener) => worker.on('message', listener),
    onExit: (listener) => {
      worker.on('error', (error) => listener(error.message));
      worker.on('exit', (code) => listener(`exit code ${code}`));
    },
    stop: async () => {
      await worker.terminate();
    },
  };
}

/**
 * Where a child process's stdout and stderr go: the runner's own, shared
 * (`inherit`), unless the stream's `write` is one set on it to send what
 * is written elsewhere (the daemon running a warm stage sends it to the
 * command, warm-code.ts): then through a pipe into that `write`.
 */
function childOutput(): ['inherit' | 'pipe', 'inherit' | 'pipe'] {
  const wayOf = (stream: NodeJS.WriteStream): 'inherit' | 'pipe' =>
    Object.hasOwn(stream, 'write') ? 'pipe' : 'inherit';
  return [wayOf(process.stdout), wayOf(process.stderr)];
}

function processSlot(): Slot {
  const entry = entryPoint();
  const child: ChildProcess = childProcess().fork(entry.file, [], {
    execArgv: entry.execArgv,
    // Structured clone, as between threads: a batch's items and its answer cross as bytes.
    serialization: 'advanced',
    stdio: ['ignore', ...childOutput(), 'ipc'],
  });
  child.unref();
  child.channel?.unref();
  const relayed = relayOutput(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let isStopping = false;
  return {
    send: (message) => {
      child.channel?.ref();
      child.send(message);
    },
    on: (listener) =>
      child.on('message', (message: ToPool) => {
        if (message.type !== 'log') child.channel?.unref();
        listener(message);
      }),
    onExit: (listener) =>
      child.on('exit', (code, signal) => !isStopping && listener(signal ? `killed by ${signal}` : `exit code ${code}`)),
    stop: async () => {
      isStopping = true;
      child.kill();
      // What it wrote last is written on before the run ends; a program it started that still holds
      // its output keeps the pipes open, and the run does not wait for that program.
      if (child.stdout || child.stderr) {
        await exited;
        await withDeadline(relayed, OUTPUT_GRACE_MS, () => {}).catch(() => {});
      }
    },
  };
}

/** How long a stopped child's piped output may take to close once the child has exited. */
const OUTPUT_GRACE_MS = 250;

/** A child's piped output written on to this process's streams as it comes; resolves once the pipes are closed. */
function relayOutput(child: ChildProcess): Promise<void> {
  const pipes = [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const;
  return Promise.all(
    pipes.map(([from, to]) => {
      if (!from) return undefined;
      (from as Readable & { unref?: () => void }).unref?.();
      from.setEncoding('utf8');
      from.on('data', (text: string) => to.write(text));
      return new Promise<void>((resolve) => from.once('close', resolve));
    }),
  ).then(() => undefined);
}
