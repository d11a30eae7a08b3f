/**
 * What went wrong, in words: an Error's message (or an error-like object's);
 * any other object thrown or rejected with as its JSON (`{"code":7}`, not
 * `[object Object]`); anything else as text.
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error === null || typeof error !== 'object') return String(error);
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  let json: string | undefined;
  try {
    json = JSON.stringify(error);
  } catch {
    json = undefined;
  }
  if (json === undefined || json === '{}') return String(error);
  return json.length > 200 ? `${json.slice(0, 200)}…` : json;
}

/** Codes of a write the disk refused whatever was written: full, over quota, read-only, failing. */
const DISK_CODES: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full: free space on it and run again',
  EDQUOT: 'the disk quota is used up: free space and run again',
  EROFS: 'the file system is read-only',
  EIO: 'the disk failed to write',
};

/**
 * `error` from writing `what` to `file`, as an error that names the file
 * and says what to do when the disk refused the write (fs.writeSync's own
 * error names neither); any other error as it was.
 */
export function diskError(error: unknown, what: string, file: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const hint = code === undefined ? undefined : DISK_CODES[code];
  if (hint === undefined) return error;
  return Object.assign(new Error(`cannot write ${what} ${file}: ${messageOf(error)} (${hint})`, { cause: error }), {
    code,
  });
}

/** An error as data that can cross to another thread or process: its message, and its stack when it has one (for codeLocation). */
export function errorData(error: unknown): { message: string; stack?: string } {
  return error instanceof Error ? { message: error.message, stack: error.stack } : { message: String(error) };
}

const FRAME = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/;

/**
 * Where in the workspace's own code an error was thrown, as `path:line:col`
 * relative to `root`: the first stack frame in a file under `root` and not
 * in node_modules. Undefined when no frame is (a builtin or a package threw).
 */
export function codeLocation(error: unknown, root: string): string | undefined {
  // An Error, or its data passed on from a worker ({ message, stack }).
  const stack = (error as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  const prefix = root.endsWith('/') ? root : `${root}/`;
  for (const line of stack.split('\n').slice(1)) {
    const match = FRAME.exec(line.trim());
    if (!match) continue;
    const file = (match[1] ?? '').replace(/^file:\/\//, '');
    if (!file.startsWith(prefix) || file.includes('/node_modules/')) continue;
    return `${decodeURI(file.slice(prefix.length))}:${match[2]}:${match[3]}`;
  }
  return undefined;
}
