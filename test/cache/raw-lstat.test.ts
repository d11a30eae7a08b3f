// lstatInto, the stat pass's lstat without a Stats object: on this Node it
// reads the fs binding, and its four numbers (size, ctime, inode, mode) are fs.lstatSync's for a file,
// a directory, links (not followed), a FIFO, missing paths, a path under a
// file and one holding a NUL byte. Where the binding is not to be used (a
// permission model on, --pending-deprecation, an lstatSync that calls the
// binding another way) it is fs.lstatSync, and answers the same.
// statFollowed, one file's stat with a link followed, is fs.statSync's.
// fstatInto, the same for an open descriptor, is fs.fstatSync's. Asked to
// (a stat pass's rows), both mark a file of several hard links in its mode.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FSTAT_INTO_JS,
  LSTAT_INTO_JS,
  type LstatInto,
  lstatInto,
  lstatIntoIsRaw,
  statFollowed,
} from '../../src/cache/raw-lstat.js';
import { FIELDS, hasManyLinks, MANY_LINKS } from '../../src/cache/stat-rows.js';
import { isRegularMode } from '../../src/util/fs.js';

let dir: string;
let paths: string[];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raw-lstat-'));
  const file = path.join(dir, 'a file é.txt');
  fs.writeFileSync(file, 'twelve bytes');
  fs.symlinkSync(file, path.join(dir, 'link'));
  fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'broken'));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.utimesSync(file, 1_700_000_000.123456, 1_700_000_000.987654);
  paths = [
    file,
    path.join(dir, 'sub'),
    path.join(dir, 'link'),
    path.join(dir, 'broken'),
    path.join(dir, 'missing'),
    path.join(file, 'under-a-file'),
    `${file}\0hidden`,
    'relative/missing',
  ];
  try {
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    paths.push(path.join(dir, 'fifo'));
  } catch {
    // no mkfifo here: the other kinds still run
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function viaLstatSync(file: string): number[] {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(file, { throwIfNoEntry: false });
  } catch {
    st = undefined;
  }
  return st ? [st.size, st.ctimeMs, st.ino, st.mode] : [Number.NaN, -1, -1, -1];
}

function answers(into: LstatInto): number[][] {
  return paths.map((file) => {
    const out = new Float64Array(7).fill(-1);
    into(file, out, 2);
    expect([out[0], out[1], out[6]]).toEqual([-1, -1, -1]);
    return Array.from(out.subarray(2, 6));
  });
}

function made(proc: object, files: object = fs): LstatInto {
  return new Function(`${LSTAT_INTO_JS}\nreturn makeLstatInto;`)()(files, proc);
}

describe('lstatInto', () => {
  it("reads Node's fs binding here (Node 20, 22 and 24 all call it as lstatSync does)", () => {
    expect(lstatIntoIsRaw).toBe(true);
  });

  it("gives fs.lstatSync's size, ctimeMs (not the mtime set back), ino and mode, or NaN", () => {
    const got = answers(lstatInto);
    expect(got).toEqual(paths.map(viaLstatSync));
    expect(got[0]?.[0]).toBe(12);
    const st = fs.lstatSync(paths[0] as string);
    expect(st.mtimeMs).not.toBe(st.ctimeMs);
    expect(got[0]?.[1]).toBe(st.ctimeMs);
    expect(got[2]?.[3]).toBe(fs.lstatSync(paths[2] as string).mode);
    expect(got.slice(3).filter((a) => Number.isNaN(a[0]))).toHaveLength(4);
  });

  it('is fs.lstatSync where the binding is not to be used, with the same answers', () => {
    const permission = made({ ...process, permission: { has: () => true } });
    const pending = made({ ...process, execArgv: ['--pending-deprecation'] });
    const otherCall = made(process, { ...fs, lstatSync: (p: string) => fs.lstatSync(p, { throwIfNoEntry: false }) });
    const noBinding = made({ ...process, binding: () => ({}) });
    for (const into of [permission, pending, otherCall, noBinding]) {
      expect(into.name).toBe('viaFs');
      expect(answers(into)).toEqual(paths.map(viaLstatSync));
    }
    expect(made(process).name).toBe('viaBinding');
  });
});

describe('statFollowed', () => {
  it("gives fs.statSync's four numbers, a link followed, and undefined where there is no file", () => {
    const want = (file: string) => {
      try {
        const st = fs.statSync(file, { throwIfNoEntry: false });
        return st && { size: st.size, changedMs: st.ctimeMs, ino: st.ino, mode: st.mode };
      } catch {
        return undefined; // a path under a file
      }
    };
    for (const file of paths.filter((p) => !p.includes('\0'))) {
      const got = statFollowed(file);
      expect(got && { size: got.size, changedMs: got.changedMs, ino: got.ino, mode: got.mode }).toEqual(want(file));
    }
    expect(statFollowed(path.join(dir, 'link'))?.size).toBe(12);
    expect(statFollowed(path.join(dir, 'broken'))).toBeUndefined();
    expect(statFollowed(`${paths[0]}\0hidden`)).toBeUndefined();
  });
});

type FstatInto = (fd: number, out: Float64Array, at: number, marks?: boolean) => void;

function madeFstat(proc: object, files: object = fs): FstatInto {
  return new Function(`${FSTAT_INTO_JS}\nreturn makeFstatInto;`)()(files, proc);
}

describe('fstatInto', () => {
  /** The four numbers of each openable path's descriptor, and of a closed one (NaN). */
  function fstatAnswers(into: FstatInto): number[][] {
    const openable = paths.filter((p) => !p.includes('\0') && fs.existsSync(p));
    const fds = openable.map((p) => fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
    const closed = fs.openSync(paths[0] as string, 'r');
    fs.closeSync(closed);
    try {
      return [...fds, closed].map((fd) => {
        const out = new Float64Array(7).fill(-1);
        into(fd, out, 2);
        expect([out[0], out[1], out[6]]).toEqual([-1, -1, -1]);
        return Array.from(out.subarray(2, 6));
      });
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
  }

  function viaFstatSync(): number[][] {
    return fstatAnswers((fd, out, at) => {
      let st: fs.Stats | undefined;
      try {
        st = fs.fstatSync(fd);
      } catch {
        st = undefined;
      }
      out.set(st ? [st.size, st.ctimeMs, st.ino, st.mode] : [Number.NaN, -1, -1, -1], at);
    });
  }

  it("reads the binding here and gives fs.fstatSync's four numbers (a link's target, a directory, a FIFO), NaN for a closed descriptor", () => {
    const raw = madeFstat(process);
    expect(raw.name).toBe('viaBinding');
    const got = fstatAnswers(raw);
    expect(got).toEqual(viaFstatSync());
    expect(got[0]).toEqual([
      12,
      fs.statSync(paths[0] as string).ctimeMs,
      fs.statSync(paths[0] as string).ino,
      fs.statSync(paths[0] as string).mode,
    ]);
    expect(got.at(-1)?.[0]).toBeNaN();
  });

  it('is fs.fstatSync where the binding is not to be used, with the same answers', () => {
    const permission = madeFstat({ ...process, permission: { has: () => true } });
    const pending = madeFstat({ ...process, execArgv: ['--pending-deprecation'] });
    const otherCall = madeFstat(process, { ...fs, fstatSync: (fd: number) => fs.fstatSync(fd, { bigint: false }) });
    for (const into of [permission, pending, otherCall]) {
      expect(into.name).toBe('viaFs');
      expect(fstatAnswers(into)).toEqual(viaFstatSync());
    }
  });
});

describe('marks: a regular file of more than one hard link', () => {
  it('has MANY_LINKS added to its mode by lstatInto and fstatInto when asked, on the binding and off it', () => {
    const single = path.join(dir, 'single.txt');
    const linked = path.join(dir, 'linked.txt');
    fs.writeFileSync(single, 'one\n');
    fs.writeFileSync(linked, 'two\n');
    fs.linkSync(linked, path.join(dir, 'linked-again.txt'));
    const modeOf = (file: string): number => fs.lstatSync(file).mode;
    const out = new Float64Array(FIELDS);
    for (const into of [lstatInto, made({ ...process, binding: () => ({}) })]) {
      into(linked, out, 0, true);
      expect(out[3]).toBe(modeOf(linked) + MANY_LINKS);
      expect(hasManyLinks(out[3] as number)).toBe(true);
      expect(isRegularMode(out[3] as number)).toBe(true);
      into(linked, out, 0);
      expect(out[3]).toBe(modeOf(linked));
      into(single, out, 0, true);
      expect(out[3]).toBe(modeOf(single));
      expect(hasManyLinks(out[3] as number)).toBe(false);
      // A directory's links are its subdirectories': it is left as it is.
      into(dir, out, 0, true);
      expect(out[3]).toBe(modeOf(dir));
    }
    for (const into of [madeFstat(process), madeFstat({ ...process, binding: () => ({}) })]) {
      for (const [file, many] of [
        [linked, true],
        [single, false],
      ] as const) {
        const fd = fs.openSync(file, 'r');
        try {
          into(fd, out, 0, true);
          expect(out[3]).toBe(modeOf(file) + (many ? MANY_LINKS : 0));
          into(fd, out, 0, false);
          expect(out[3]).toBe(modeOf(file));
        } finally {
          fs.closeSync(fd);
        }
      }
    }
  });
});
