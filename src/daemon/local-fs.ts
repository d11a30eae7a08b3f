// What the daemon's watch log (watch-log.ts) asks of the filesystem: whether
// a directory is on a filesystem whose every change this kernel makes (so
// inotify sees it), how many events in one turn mean inotify's queue may
// have overflowed, and a directory's identity.
import fs from 'node:fs';

/**
 * statfs types whose every change is made by this kernel, so inotify sees
 * it: ext2/3/4, XFS, Btrfs, tmpfs, F2FS, ZFS, and overlayfs (a container's
 * own files, written through it).
 */
const FILESYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e, 0x01021994, 0xf2f52010, 0x2fc12fc1, 0x794c7630]);

/** Half of inotify's queue, on Linux on a local filesystem; undefined elsewhere (no vouching). */
export function burstHere(root: string): number | undefined {
  if (process.platform !== 'linux' || !isLocal(root)) return undefined;
  try {
    const queued = Number(fs.readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8'));
    return Number.isInteger(queued) && queued > 1 ? Math.floor(queued / 2) : undefined;
  } catch {
    return undefined;
  }
}

export function isLocal(dir: string): boolean {
  try {
    return FILESYSTEMS.has(fs.statfsSync(dir).type);
  } catch {
    return false;
  }
}

export function statOf(file: string): { dev: number; ino: number } | undefined {
  try {
    const st = fs.statSync(file);
    return st.isDirectory() ? { dev: st.dev, ino: st.ino } : undefined;
  } catch {
    return undefined;
  }
}
