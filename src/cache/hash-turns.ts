// The hash pass of StatPass (stat-beside.ts), answered in order: the worker
// takes batches of the files to hash from a shared counter and marks each
// batch answered; this thread collects the batches in order as its caller
// needs them, takes batches from the same counter while one the worker
// holds is not done, and waits only when none is left to take. Asked for
// everything at once it is hashChanged (both threads at it until the end);
// asked block by block it lets a map stage run its first items while the
// worker hashes the files of the next ones.

/** Files per batch of the hash pass (reading one costs about three stats). */
export const HASH_BESIDE_BATCH = 128;
/** Bytes per file in the hash pass's answer: a status (1 hashed, 2 could not read, NOT_A_FILE) and the digest. */
export const SLOT = 33;
/** Status of a file the stat pass left to the hash pass (UNSTATED) that is missing or not a regular file. */
export const NOT_A_FILE = 3;
/** The shared control array's slot for the next batch of the hash pass to take. */
export const NEXT_HASH = 1;
/** How long this thread waits for a batch the worker took before doing it itself. */
export const PATIENCE_MS = 2000;

/** How many batches of a pass the worker did (tests); see stat-beside.ts. */
interface WorkerCounts {
  hashedByWorker?: number;
  /** Tests: this thread takes no batch of its own, so the worker does them all. */
  idle?: boolean;
}

/**
 * Where a hash pass's answers go: a file to hash on this thread, or the
 * worker's digest of one (a view of the shared answer: copy what is kept).
 */
interface Answers {
  hashHere: (i: number) => void;
  take: (i: number, digest: Uint8Array) => void;
}

/** The worker's side of a hash pass (StatPass.hashLater). */
interface SharedHashes {
  control: Int32Array;
  answer: Uint8Array;
  /** Per batch: 1 once answered (by the worker, or taken here). */
  hashed: Int32Array;
  counts: WorkerCounts | undefined;
}

/**
 * A hash pass answered in order: `through(n)` returns once the first n
 * files are answered, collecting the batches the worker finished and
 * taking batches from the shared counter here while one it holds is not
 * done yet (waiting for it only when none is left to take).
 */
export class HashTurns {
  readonly #indices: readonly number[];
  /**
   * Where the answers go, and the worker's shared memory: let go once every
   * batch is answered, so that what still holds this pass (the kept bytes
   * ask isWorkers until their stage ends) holds neither the answer nor what
   * the answers were recorded into.
   */
  #to: Answers | undefined;
  #shared: SharedHashes | undefined;
  readonly #hasWorker: boolean;
  /** Batches done on this thread (their files went to hashHere). */
  readonly #mine: Uint8Array;
  /** Batches answered so far, from the first. */
  #answered = 0;
  /** Batches from the first known to be done (isAllDone's scan goes on from here). */
  #doneFrom = 0;

  constructor(indices: readonly number[], to: Answers, shared?: SharedHashes) {
    this.#indices = indices;
    this.#to = to;
    this.#shared = shared;
    this.#hasWorker = shared !== undefined;
    this.#mine = new Uint8Array(Math.ceil(indices.length / HASH_BESIDE_BATCH));
    if (shared?.counts) shared.counts.hashedByWorker = 0;
  }

  /** How many of the files are answered (a whole number of batches, or all). */
  get answered(): number {
    return Math.min(this.#indices.length, this.#answered * HASH_BESIDE_BATCH);
  }

  /** Whether every batch is done, by the worker or here: answering them all would not wait. */
  get isAllDone(): boolean {
    const shared = this.#shared;
    const batches = this.#mine.length;
    if (!shared || this.#answered >= batches) return this.#answered >= batches;
    for (; this.#doneFrom < batches; this.#doneFrom++) {
      const b = this.#doneFrom;
      if (b >= this.#answered && this.#mine[b] !== 1 && Atomics.load(shared.hashed, b) === 0) return false;
    }
    return true;
  }

  /** Whether batch `b` is answered, and by the worker (its writes to shared memory are seen here). */
  isWorkers(b: number): boolean {
    return this.#hasWorker && b < this.#answered && this.#mine[b] !== 1;
  }

  /** Answers the first `n` files (and the rest of the batch the n-th is in). */
  through(n: number): void {
    const batches = Math.ceil(Math.min(n, this.#indices.length) / HASH_BESIDE_BATCH);
    for (; this.#answered < batches; this.#answered++) this.#answer(this.#answered);
    if (this.#answered >= this.#mine.length) {
      this.#to = undefined;
      this.#shared = undefined;
    }
  }

  #answer(b: number): void {
    const shared = this.#shared;
    if (!shared) {
      this.#here(b);
      return;
    }
    const { control, hashed } = shared;
    const count = this.#indices.length;
    while (this.#mine[b] !== 1 && Atomics.load(hashed, b) === 0) {
      const from = shared.counts?.idle ? count : Atomics.add(control, NEXT_HASH, HASH_BESIDE_BATCH);
      if (from < count) this.#here(from / HASH_BESIDE_BATCH);
      else if (Atomics.wait(hashed, b, 0, PATIENCE_MS) === 'timed-out' && Atomics.load(hashed, b) === 0) this.#here(b);
    }
    if (this.#mine[b] === 1) return;
    if (shared.counts) shared.counts.hashedByWorker = (shared.counts.hashedByWorker ?? 0) + 1;
    const { answer } = shared;
    for (let k = b * HASH_BESIDE_BATCH; k < Math.min(count, (b + 1) * HASH_BESIDE_BATCH); k++) {
      const i = this.#indices[k] as number;
      const status = answer[SLOT * k];
      if (status === 1) {
        this.#answers.take(i, answer.subarray(SLOT * k + 1, SLOT * (k + 1)));
      } else if (status !== NOT_A_FILE) this.#answers.hashHere(i);
    }
  }

  /** Batch `b` hashed on this thread. */
  #here(b: number): void {
    this.#mine[b] = 1;
    const end = Math.min(this.#indices.length, (b + 1) * HASH_BESIDE_BATCH);
    for (let k = b * HASH_BESIDE_BATCH; k < end; k++) this.#answers.hashHere(this.#indices[k] as number);
  }

  get #answers(): Answers {
    if (this.#to === undefined) throw new Error('every batch of this hash pass is answered already');
    return this.#to;
  }
}
