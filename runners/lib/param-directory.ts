// A param that names a directory to read (simtask's root, boardrev's board).
// One that is not there matches no file, which is no error to the stages
// that list it: the run would find nothing and its writer would empty what
// it writes (delete every task file, replace a review with one of 0 tasks).
// The stage that would act on that nothing checks the param first.
import fs from 'node:fs';
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
