// lstat of many files without a Stats object each. fs.lstatSync asks
// Node's fs binding for the numbers (a Float64Array it fills) and then
// builds a Stats from them, with four Dates in Node 20: in a no-op run over
// 100,000 files that is most of the stat pass's time beside the syscall
// itself, and most of its garbage. Here the stat pass asks the binding the
// way this Node's own lstatSync does, and reads the four numbers it keeps.
// It does so only when this Node's lstatSync is seen calling the binding
// that way (Node 20, 22 and 24 do; on Windows, where lstatSync first makes
// the path a namespaced one, it does not try), the binding gives back what
// fs.lstatSync gives for a file, a directory and a missing path, and no
// permission model is on (lstatSync checks it; the binding does not);
// otherwise, and for a path holding a NUL byte, it is fs.lstatSync (and
// with --pending-deprecation, under which process.binding warns). The
// hash pass of a cold run stats each file it has opened the same way
// (fstatInto), through its descriptor. Deleting this module (and its uses
// in stat-beside.ts and StatCache.stat) leaves fs.lstatSync everywhere, and
// fs.statSync before each read of the hash pass.
import fs from 'node:fs';
import type { FileStat } from './stat-cache-types.js';
import { MANY_LINKS } from './stat-rows.js';

/**
 * A stat pass's mode (`marks`): a regular file of more than one hard link
 * has MANY_LINKS added (stat-rows.ts); a directory's links are its
 * subdirectories', and it is left as it is.
 */
const MARKED_JS = `const marked = (mode, links) => (links > 1 && (mode & ${fs.constants.S_IFMT}) === ${fs.constants.S_IFREG} ? mode + ${MANY_LINKS} : mode);`;

/**
 * The program of `lstatInto(file, out, at, marks)`, as text so the stat
 * pass's worker thread runs the same code: `makeLstatInto(fs, process)`
 * returns it. It puts size, changedMs, ino and mode at out[at..at+3] (size
 * NaN, the others untouched, when there is no such file or it cannot be
 * stat'ed); with `marks`, a regular file with more than one hard link has
 * MANY_LINKS added to its mode (stat-rows.ts).
 */
export const LSTAT_INTO_JS = `function makeLstatInto(fs, process) {
  ${MARKED_JS}
  const viaFs = (file, out, at, marks) => {
    let st;
    try { st = fs.lstatSync(file, { throwIfNoEntry: false }); } catch { st = undefined; }
    out[at] = st ? st.size : NaN;
    if (st) { out[at + 1] = st.ctimeMs; out[at + 2] = st.ino; out[at + 3] = marks ? marked(st.mode, st.nlink) : st.mode; }
  };
  let binding;
  try {
    const calls = /binding\\.lstat\\(\\s*(?:pathModule\\.toNamespacedPath\\(path\\)|path),\\s*options\\.bigint,\\s*undefined,\\s*options\\.throwIfNoEntry,?\\s*\\)/;
    const pending = process.env.NODE_PENDING_DEPRECATION === '1' || [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((o) => o.includes('--pending-deprecation'));
    const isPosix = process.platform !== 'win32';
    if (isPosix && process.permission === undefined && !pending && calls.test(String(fs.lstatSync))) binding = process.binding('fs');
  } catch {
    binding = undefined;
  }
  if (!binding) return viaFs;
  const viaBinding = (file, out, at, marks) => {
    let v;
    try { v = file.includes('\\0') ? null : binding.lstat(file, false, undefined, false); } catch { v = undefined; }
    if (v === null) return viaFs(file, out, at, marks);
    if (v === undefined) { out[at] = NaN; return; }
    out[at] = v[8]; out[at + 1] = v[14] * 1000 + v[15] / 1000000; out[at + 2] = v[7]; out[at + 3] = marks ? marked(v[1], v[2]) : v[1];
  };
  const a = new Float64Array(4);
  const b = new Float64Array(4);
  for (const file of [process.execPath, '/', process.execPath + '\\u0001missing']) {
    a.fill(-1); b.fill(-1);
    try { viaBinding(file, a, 0); } catch { return viaFs; }
    viaFs(file, b, 0);
    if (!a.every((x, i) => Object.is(x, b[i]))) return viaFs;
  }
  // The link count where marks reads it: '/' has more than one link (its entries' '..').
  try { if (binding.lstat('/', false, undefined, false)[2] !== fs.lstatSync('/').nlink) return viaFs; } catch { return viaFs; }
  return viaBinding;
}`;

/**
 * The program of `fstatInto(fd, out, at)`, lstatInto's twin for an open
 * file (the hash pass stats a file it has opened through its descriptor,
 * not by walking its path again): `makeFstatInto(fs, process)` returns it,
 * reading the binding only when this Node's fstatSync is seen calling it
 * that way and it answers as fstatSync does for a file and a directory.
 * It puts size, changedMs, ino and mode at out[at..at+3] (size NaN when the
 * descriptor cannot be stat'ed).
 */
export const FSTAT_INTO_JS = `function makeFstatInto(fs, process) {
  ${MARKED_JS}
  const viaFs = (fd, out, at, marks) => {
    let st;
    try { st = fs.fstatSync(fd); } catch { st = undefined; }
    out[at] = st ? st.size : NaN;
    if (st) { out[at + 1] = st.ctimeMs; out[at + 2] = st.ino; out[at + 3] = marks ? marked(st.mode, st.nlink) : st.mode; }
  };
  let binding;
  try {
    const calls = /binding\\.fstat\\(\\s*fd,\\s*options\\.bigint,\\s*undefined,\\s*false,?\\s*\\)/;
    const pending = process.env.NODE_PENDING_DEPRECATION === '1' || [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((o) => o.includes('--pending-deprecation'));
    if (process.platform !== 'win32' && process.permission === undefined && !pending && calls.test(String(fs.fstatSync))) binding = process.binding('fs');
  } catch {
    binding = undefined;
  }
  if (!binding) return viaFs;
  const viaBinding = (fd, out, at, marks) => {
    let v;
    try { v = binding.fstat(fd, false, undefined, false); } catch { v = undefined; }
    if (v === undefined) { out[at] = NaN; return; }
    out[at] = v[8]; out[at + 1] = v[14] * 1000 + v[15] / 1000000; out[at + 2] = v[7]; out[at + 3] = marks ? marked(v[1], v[2]) : v[1];
  };
  const a = new Float64Array(4);
  const b = new Float64Array(4);
  for (const file of [process.execPath, '/']) {
    let fd;
    try {
      fd = fs.openSync(file, 'r');
      a.fill(-1); b.fill(-1);
      viaBinding(fd, a, 0);
      viaFs(fd, b, 0);
      if (!a.every((x, i) => Object.is(x, b[i]))) return viaFs;
      // The link count where marks reads it ('/' has more than one link).
      if (file === '/' && binding.fstat(fd, false, undefined, false)[2] !== fs.fstatSync(fd).nlink) return viaFs;
    } catch {
      return viaFs;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  return viaBinding;
}`;

const make = new Function(`${LSTAT_INTO_JS}\nreturn makeLstatInto;`)() as (
  files: typeof fs,
  proc: typeof process,
) => LstatInto;

/** lstat of `file` into out[at..at+3]: size (NaN: no such file), changedMs, ino, mode (`marks`: see MANY_LINKS). */
export type LstatInto = (file: string, out: Float64Array, at: number, marks?: boolean) => void;

export const lstatInto: LstatInto = make(fs, process);

/** The stat cache's view of a Stats: its ctime is the change time it compares (FileStat.changedMs). */
export function fileStatOf(st: fs.Stats): FileStat {
  return { size: st.size, changedMs: st.ctimeMs, ino: st.ino, mode: st.mode };
}

let fstatMade: ((fd: number, out: Float64Array, at: number, marks: boolean) => void) | undefined;

/** fstat of an open descriptor into out[at..at+3], as lstatInto puts a path's (FSTAT_INTO_JS; made when first used). */
export function fstatInto(fd: number, out: Float64Array, at: number, marks = false): void {
  fstatMade ??= new Function(`${FSTAT_INTO_JS}\nreturn makeFstatInto;`)()(fs, process) as typeof fstatInto;
  fstatMade(fd, out, at, marks);
}

/** Whether lstatInto reads the binding (tests: the fallback is what runs elsewhere). */
export const lstatIntoIsRaw = lstatInto.name === 'viaBinding';

const one = new Float64Array(4);
const { S_IFMT, S_IFLNK } = fs.constants;

/** stat() of one file, a symlink followed: { size, changedMs, ino, mode }, or undefined when there is none. */
export function statFollowed(file: string): FileStat | undefined {
  lstatInto(file, one, 0);
  const size = one[0] as number;
  if (Number.isNaN(size)) return undefined;
  const mode = one[3] as number;
  if ((mode & S_IFMT) !== S_IFLNK) return { size, changedMs: one[1] as number, ino: one[2] as number, mode };
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    return st && fileStatOf(st);
  } catch {
    return undefined;
  }
}
