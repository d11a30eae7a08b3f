// The answer of a long list's last clean stat pass, kept across runs: the
// stats of every file (size, mtime, inode, mode; a missing file too) and
// the hash of the key's input list they gave, per stage. A run whose stat
// pass over the same list is byte for byte the same has the same list, so
// its key needs neither the hashes nor the 9 MB text of a 100,000-file list
// (a no-op in CI: about 90 ms less). Only a clean answer is kept: no hash in
// it came from a stat that changed too recently to vouch for its content
// (the stat cache's racy rule), so equal stats mean equal content. Deleting
// this module (and its use in src/engine/key.ts) builds every list again.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { sha256 } from '../util/hash.js';

const FORMAT = 'runner-pass-memo 1';

interface Head {
  format: string;
  /** sha256 of the list's paths joined by NULs (no path holds one). */
  list: string;
  /** The hash of the key's input list (fingerprint.ts, inputsBytes). */
  inputs: string;
  count: number;
}

/** Where a stage's memo lives under the state directory. */
export function passMemoFile(stateDir: string, stageId: string): string {
  return path.join(stateDir, 'passes', `${sha256(stageId).slice(0, 32)}.bin`);
}

/** The input list hash the memo keeps for `files` with exactly these stats; undefined for anything else. */
export function keptListHash(file: string, files: readonly string[], stats: Float64Array): string | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const newline = bytes.indexOf(10);
  if (newline === -1) return undefined;
  let head: Partial<Head>;
  try {
    head = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as Partial<Head>;
  } catch {
    return undefined;
  }
  if (head.format !== FORMAT || head.count !== files.length || typeof head.inputs !== 'string') return undefined;
  if (!bytes.subarray(newline + 1).equals(bytesOf(stats)) || head.list !== listIdentity(files)) return undefined;
  return head.inputs;
}

/** Keeps a clean pass's answer for the stage (one memo a stage, replaced whole). */
export function keepListHash(file: string, files: readonly string[], stats: Float64Array, inputs: string): void {
  const head: Head = { format: FORMAT, list: listIdentity(files), inputs, count: files.length };
  try {
    writeFileAtomic(file, [Buffer.from(`${JSON.stringify(head)}\n`), bytesOf(stats)]);
  } catch {
    // A memo not written costs the next run its list, nothing else.
  }
}

const identities = new WeakMap<readonly string[], string>();

function listIdentity(files: readonly string[]): string {
  let identity = identities.get(files);
  if (identity === undefined) {
    identity = sha256(files.join('\0'));
    identities.set(files, identity);
  }
  return identity;
}

const bytesOf = (stats: Float64Array): Buffer => Buffer.from(stats.buffer, stats.byteOffset, stats.byteLength);
