// Each real file once. The scan follows symbolic links (a linked file, a
// linked directory), so one file can reach simtask under several paths, and
// its functions would then be near-duplicates of themselves. cluster counts
// each real file under one of its paths: its own, when the scan reached it
// there, else the first of the links in path order (a file outside the root
// that only links reach is still compared, under a link's name).
//
// This is decided in cluster, over every path at once, not per file in
// scan: whether a link is the one kept depends on the other paths. Links are
// in no cache key (the runner keys a file by its path and content), so
// turning a link into a copy of the same bytes, or back, is seen by the next
// run that reruns cluster for another reason (or `--force=cluster`).
import fs from 'node:fs';
import path from 'node:path';
import { compare } from './order.js';

/** The paths left out, each with the path its file is counted under. */
export function pathsCountedElsewhere(
  files: Iterable<string>,
  realPathOf: (file: string) => string,
): Map<string, string> {
  const byRealPath = new Map<string, string[]>();
  for (const file of files) {
    const real = realPathOf(file);
    const paths = byRealPath.get(real);
    if (paths) paths.push(file);
    else byRealPath.set(real, [file]);
  }
  const leftOut = new Map<string, string>();
  for (const [real, paths] of byRealPath) {
    if (paths.length < 2) continue;
    const kept = paths.includes(real) ? real : ([...paths].sort(compare)[0] as string);
    for (const file of paths) if (file !== kept) leftOut.set(file, kept);
  }
  return leftOut;
}

/**
 * Where a path of the records leads once links are followed, in the form
 * the records name files: workspace-relative (POSIX) for a relative path
 * whose file is in the workspace, absolute otherwise. A path that cannot be
 * followed (gone since the scan) is its own.
 *
 * A directory is listed and followed once, and only a file its listing
 * says is a link is followed itself: a realpath per file walks every
 * directory above it again (2,000 files of node_modules/ in 67
 * directories: 58-67 ms on this 2-core VM, against 13-27 ms).
 */
export function realPathIn(root: string, resolve: (file: string) => string): (file: string) => string {
  const realRoot = fs.realpathSync(root);
  const directories = new Map<string, { real: string; links: Set<string> } | undefined>();
  const directory = (dir: string): { real: string; links: Set<string> } | undefined => {
    if (!directories.has(dir)) {
      try {
        const links = fs
          .readdirSync(dir, { withFileTypes: true })
          .filter((entry) => entry.isSymbolicLink())
          .map((entry) => entry.name);
        directories.set(dir, { real: fs.realpathSync.native(dir), links: new Set(links) });
      } catch {
        directories.set(dir, undefined);
      }
    }
    return directories.get(dir);
  };
  return (file) => {
    const absolute = resolve(file);
    const dir = directory(path.dirname(absolute));
    if (!dir) return file;
    const name = path.basename(absolute);
    let real = path.join(dir.real, name);
    if (dir.links.has(name)) {
      try {
        real = fs.realpathSync.native(absolute);
      } catch {
        return file;
      }
    }
    if (path.isAbsolute(file)) return real;
    const relative = path.relative(realRoot, real);
    const isOutside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
    return isOutside ? real : relative.split(path.sep).join('/');
  };
}
