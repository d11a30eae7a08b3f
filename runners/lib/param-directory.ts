// A param that names a directory to read (simtask's root, boardrev's board).
// One that is not there matches no file, which is no error to the stages
// that list it: the run would find nothing and its writer would empty what
// it writes (delete every task file, replace a review with one of 0 tasks).
// The stage that would act on that nothing checks the param first.
//
// A param that names a directory to write (simtask's and sonarflow's out)
// may not exist yet; one that is a file, or lies below one, is named with
// what to do rather than left to mkdir's EEXIST or ENOTDIR.
import fs from 'node:fs';
import path from 'node:path';
import type { StageContext } from '../../src/api.js';

/** Throws, naming the param and what to point it at, unless `value` is a directory of the workspace. */
export function requireDirectoryParam(
  name: string,
  value: string,
  workspace: StageContext['workspace'],
  what: { purpose: string; example: string },
): void {
  let isDirectory: boolean;
  try {
    isDirectory = fs.statSync(workspace.resolve(value)).isDirectory();
  } catch {
    throw new Error(
      `params.${name}: ${value} does not exist; point it at ${what.purpose} (--param ${name}=${what.example})`,
    );
  }
  if (!isDirectory)
    throw new Error(
      `params.${name}: ${value} is not a directory; point it at ${what.purpose} (--param ${name}=${what.example})`,
    );
}

/**
 * Makes the directory `value` names (and those above it) unless it exists;
 * throws, naming the param and what to point it at, when it is a file or
 * lies below one. Answers its absolute path.
 */
export function makeDirectoryParam(
  name: string,
  value: string,
  workspace: StageContext['workspace'],
  what: { purpose: string; example: string },
): string {
  const dir = workspace.resolve(value);
  try {
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
  }
  const file = fileInTheWay(value, workspace);
  const problem =
    file === value ? `${value} is not a directory` : `${value} cannot be a directory, since ${file} is a file`;
  throw new Error(
    `params.${name}: ${problem}; point it at ${what.purpose}, or at one that does not exist yet (--param ${name}=${what.example})`,
  );
}

/** The shallowest of `value` and the paths above it that exists and is not a directory (`value` when none is). */
function fileInTheWay(value: string, workspace: StageContext['workspace']): string {
  let found = value;
  for (let at = value; ; at = path.dirname(at)) {
    try {
      if (!fs.statSync(workspace.resolve(at)).isDirectory()) found = at;
    } catch {
      // Not there (or a dangling link): not what is in the way.
    }
    if (path.dirname(at) === at) return found;
  }
}
