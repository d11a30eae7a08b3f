// Stage code the daemon runs in its own process: stages that say `warm:
// true` (a knob, never in a key). Such a run skips the command's own Node
// start, loading the runner and compiling the stage's code cold; the
// daemon's modules, once imported, stay loaded. So the daemon keeps, for
// each module it may have loaded, the files it was made of and their hashes
// (codeHashes, as the stage key has them: local modules, the package.json
// of each package, the tsconfig), and runs stage code only while every such
// module is still made of exactly those files: an edit, or an import that
// now resolves to another file, makes the daemon hand the run back and exit
// (a new one starts after a later no-op). What a module keeps in its own
// variables between runs is the stage's promise, not checked: `warm` is for
// code that keeps nothing.
//
// While it runs, the command's arguments, environment, working directory
// and output are the process's: process.argv and process.env are the
// command's, process.cwd() its directory, and what the code writes to
// process.stdout and stderr goes to the command, as it would in a process
// of the command's own.
//
// Deleting this module, its calls in server.ts and the knob hands every run
// with stage code back, as before.
import { codeHashes } from '../cache/code-hash.js';
import { StatCache } from '../cache/stat-cache.js';
import { runOf } from '../config/types.js';
import type { StagePlan } from '../config/types.js';

/**
 * What the daemon may do with a run's stage code: `warm`, run it here (every
 * stage with code is warm, and none of the code loaded here changed);
 * `stale`, hand it back and exit (code loaded here changed); `cold`, hand it
 * back as any run with stage code (a stage that is not warm).
 */
export type WarmVerdict = 'warm' | 'stale' | 'cold';

export class WarmCode {
  /** Hashes code files as the stage key does (in memory: the daemon's own, apart from the runs' stat cache). */
  readonly #stats: StatCache;
  /** Each module this process may have imported (a warm stage's `run` module), with its files as it was: JSON of its codeHashes. */
  readonly #loaded = new Map<string, string>();

  constructor(root: string) {
    this.#stats = new StatCache({ root });
  }

  /** The verdict on a run of `stages`; on `warm`, their modules count as loaded from now on. */
  verdict(stages: readonly StagePlan[]): WarmVerdict {
    const modules = stages.flatMap((stage) => runOf(stage.definition)?.module ?? []);
    if (modules.length === 0 || !stages.every((stage) => stage.definition.kind === 'shell' || stage.knobs.warm))
      return 'cold';
    for (const [module, files] of this.#loaded) if (this.#filesOf(module) !== files) return 'stale';
    for (const module of modules) if (!this.#loaded.has(module)) this.#loaded.set(module, this.#filesOf(module));
    return 'warm';
  }

  #filesOf(module: string): string {
    return JSON.stringify(codeHashes(this.#stats, module));
  }
}

/** What the command that asked for a run is: its arguments, where it runs, its environment, where its output goes. */
export interface Command {
  /** Its arguments after the script's path (process.argv.slice(2) in the command). */
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Makes this process look like the command's own to the stage code it runs
 * next (its arguments, environment, directory and output); the function
 * returned puts the daemon's back.
 */
export function asTheCommand(command: Command): () => void {
  const { argv, env } = process;
  const cwd = process.cwd();
  const { stdout, stderr } = process;
  const writes = [stdout.write, stderr.write] as const;
  process.argv = [...argv.slice(0, 2), ...command.argv];
  process.env = { ...command.env };
  try {
    process.chdir(command.cwd);
  } catch {
    // A directory gone since the command asked: the run finds nothing there either way.
  }
  stdout.write = relay(command.stdout);
  stderr.write = relay(command.stderr);
  return () => {
    [stdout.write, stderr.write] = writes;
    process.argv = argv;
    process.env = env;
    try {
      process.chdir(cwd);
    } catch {
      // The daemon's own directory is the workspace's root, which it serves only while it exists.
    }
  };
}

/** A stream's write (chunk, [encoding], [callback]) that sends its text instead. */
function relay(send: (text: string) => void): NodeJS.WriteStream['write'] {
  return ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8';
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.from(chunk);
    send(bytes.toString('utf8'));
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (callback) process.nextTick(callback);
    return true;
  }) as NodeJS.WriteStream['write'];
}
