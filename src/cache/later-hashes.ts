// The files of a long list still to be read when StatCache.hashAllLater
// answered: the stat pass's worker reads them in order while a map stage
// runs its first items, and the stage asks for each block's files before
// keying it. Deleting this module (and hashAllLater) hashes every file
// before any item runs, as hashAll does.
import type { HashTurns } from './hash-turns.js';
import type { KeptBytes } from './kept-bytes.js';
import type { StatPass } from './stat-beside.js';

export class LaterHashes {
  /** Indices into the list of the files to read, ascending. */
  readonly #toRead: readonly number[];
  readonly #turns: HashTurns;
  #pass: StatPass | undefined;
  /** Called once, when every file's hash is in. */
  #onDone: (() => void) | undefined;
  /** Called once, when it ends (done, or its stage ended before). */
  #onEnd: (() => void) | undefined;
  /** How many of #toRead are answered. */
  #done = 0;

  /** The pass's answer: every file's stat once every file is read (the worker puts those it stats). */
  readonly stats: Float64Array;
  /** Whether no hash read so far came from a stat too recent to vouch for its content (StatCache.openPass). */
  readonly isClean: () => boolean;
  /** The bytes read, kept for the stage's items (hashAllLater's `keep`); they outlive the worker. */
  readonly kept: KeptBytes | undefined;

  constructor(
    toRead: readonly number[],
    turns: HashTurns,
    pass: StatPass,
    isClean: () => boolean,
    on: { done?: () => void; end?: () => void; kept?: KeptBytes } = {},
  ) {
    this.#toRead = toRead;
    this.#turns = turns;
    this.#pass = pass;
    this.#onDone = on.done;
    this.#onEnd = on.end;
    this.stats = pass.stats;
    this.isClean = isClean;
    this.kept = on.kept;
  }

  /**
   * Reads and records the hashes of the list's first `n` files (the ones not read yet among them). With
   * a `done` hook, once the worker has read them all every hash is taken in at once, and it is called.
   */
  through(n: number): void {
    const toRead = this.#toRead;
    let at = this.#done;
    while (at < toRead.length && (toRead[at] as number) < n) at++;
    if (this.#onDone && this.#turns.isAllDone) at = toRead.length;
    if (at <= this.#done) return;
    this.#turns.through(at);
    this.#done = this.#turns.answered;
    if (this.#done < toRead.length) return;
    this.end();
    const onDone = this.#onDone;
    this.#onDone = undefined;
    onDone?.();
  }

  /** Every file's hash is in. */
  get isDone(): boolean {
    return this.#done >= this.#toRead.length;
  }

  /** Ends the worker: no more will be asked (the stage ended, or every file is read). */
  end(): void {
    this.#pass?.end();
    this.#pass = undefined;
    const onEnd = this.#onEnd;
    this.#onEnd = undefined;
    onEnd?.();
  }
}
