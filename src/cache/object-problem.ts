// What can be wrong with a blob of the object store (object-store.ts).

export type ObjectProblem = { kind: 'missing' } | { kind: 'corrupt'; actual: string };

export class CorruptObjectError extends Error {
  readonly hash: string;
  /** What the content hashes to, or why it could not be decoded. */
  readonly actual: string;
  constructor(hash: string, actual: string) {
    const detail = /^[0-9a-f]{64}$/.test(actual) ? `content hashes to ${actual.slice(0, 12)}` : actual;
    super(`object ${hash.slice(0, 12)} is corrupt (${detail}); it was removed`);
    this.name = 'CorruptObjectError';
    this.hash = hash;
    this.actual = actual;
  }
}
