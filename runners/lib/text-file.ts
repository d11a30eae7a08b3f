// Reading and rewriting the text files the pipelines share with people
// (READMEs, task files): the stages change a part of such a file and promise
// to keep every other byte, so a file is rewritten only where it lives and
// only when its text can be read back exactly.
//
// Where it lives: a file reached through a symbolic link (a package README
// linked to a shared document) is rewritten at the link's target, as an
// editor saves it, so the link and whatever else reads the target stay.
import fs from 'node:fs';
import path from 'node:path';

/**
 * Temp file beside the file's real location, then rename: a crash never
 * leaves half a file. The old file's mode is kept; a missing file is
 * created (its directory too).
 */
export function writeTextAtomic(file: string, text: string): void {
  const target = realTarget(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  let mode: number | undefined;
  try {
    mode = fs.statSync(target).mode & 0o777;
  } catch {
    mode = undefined;
  }
  fs.writeFileSync(temp, text, mode === undefined ? undefined : { mode });
  fs.renameSync(temp, target);
}

/** The file a path names once its symbolic links are followed; the path itself when nothing is there yet. */
function realTarget(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // A dangling link: write where it points, so the link starts to resolve.
  try {
    const link = fs.readlinkSync(file);
    return path.resolve(path.dirname(file), link);
  } catch {
    return file;
  }
}
