// Reading and rewriting the text files the pipelines share with people
// (READMEs, task files): the stages change a part of such a file and promise
// to keep every other byte, so a file is rewritten only where it lives and
// only when its text can be read back exactly.
//
// Read back exactly: Node decodes bytes that are not UTF-8 as U+FFFD, so a
// file in Latin-1 or Windows-1252 read, spliced and written back would lose
// every such byte, the person's text included. Such a file is reported and
// left alone (NotUtf8Error), never rewritten.
//
// Where it lives: a file reached through a symbolic link (a package README
// linked to a shared document) is rewritten at the link's target, as an
// editor saves it, so the link and whatever else reads the target stay.
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';

/** A file whose bytes are not UTF-8 text; `message` says where the first bad byte is. */
export class NotUtf8Error extends Error {
  constructor(
    readonly offset: number,
    readonly byte: number,
  ) {
    super(`is not UTF-8 text (byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at offset ${offset})`);
    this.name = 'NotUtf8Error';
  }
}

/** The file's text, or undefined when there is no file; throws NotUtf8Error when its bytes are not UTF-8. */
export function readTextIfExists(file: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  return utf8Text(bytes);
}

/** The bytes as text; throws NotUtf8Error when they are not UTF-8. */
export function utf8Text(bytes: Buffer): string {
  const error = notUtf8(bytes);
  if (error) throw error;
  return bytes.toString('utf8');
}

/** Why the bytes are not UTF-8 text, or undefined when they are. */
export function notUtf8(bytes: Buffer): NotUtf8Error | undefined {
  if (isUtf8(bytes)) return undefined;
  // Where the lossy decoding, encoded again, first differs from the bytes.
  const again = Buffer.from(bytes.toString('utf8'), 'utf8');
  let at = 0;
  while (at < bytes.length && bytes[at] === again[at]) at++;
  return new NotUtf8Error(at, bytes[at] ?? 0);
}

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

/** CRLF when most line ends of the text are CRLF. */
export function lineEnding(text: string): '\n' | '\r\n' {
  const crlf = text.split('\r\n').length - 1;
  const lf = text.split('\n').length - 1 - crlf;
  return crlf > lf ? '\r\n' : '\n';
}
