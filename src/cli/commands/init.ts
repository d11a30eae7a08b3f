// init: a starter workspace that validates and runs as written. Never
// overwrites a file the user has unless told to (--force), and adds the
// state directory to .gitignore at most once.
import fs from 'node:fs';
import path from 'node:path';
import { messageOf } from '../../util/errors.js';
import { RUNNER_PACKAGE } from '../../version.js';
import type { CliIo } from '../io.js';
import { EXIT, UsageError } from '../io.js';
import type { GlobalOptions } from '../load.js';
import { STARTER_MODULE, STARTER_PIPELINE, starterModule, starterPipelines } from './init-files.js';

const STATE_DIR_PATTERN = '.runner/';

export function initCommand(io: CliIo, global: GlobalOptions, flags: { force?: boolean }): number {
  const file = path.resolve(io.cwd, global.dir ?? '.', global.file ?? 'pipelines.yaml');
  const root = path.dirname(file);
  const files = [
    { path: file, content: starterPipelines(RUNNER_PACKAGE) },
    { path: path.join(root, STARTER_MODULE), content: starterModule(RUNNER_PACKAGE) },
  ];
  const shown = (p: string): string => path.relative(io.cwd, p) || p;
  const existing = files.filter((f) => fs.existsSync(f.path)).map((f) => shown(f.path));
  if (existing.length > 0 && flags.force !== true) {
    const what = existing.length === 1 ? `${existing[0]} already exists` : `${existing.join(' and ')} already exist`;
    const them = existing.length === 1 ? 'it' : 'them';
    throw new UsageError(`${what}; not overwriting (runner init --force replaces ${them} with the starter)`);
  }
  for (const f of files) {
    fs.mkdirSync(path.dirname(f.path), { recursive: true });
    fs.writeFileSync(f.path, f.content);
    io.stdout(`${existing.includes(shown(f.path)) ? 'replaced' : 'created'} ${shown(f.path)}\n`);
  }
  const gitignore = path.join(root, '.gitignore');
  switch (ignoreStateDir(gitignore)) {
    case 'created':
      io.stdout(`created ${shown(gitignore)} (ignores ${STATE_DIR_PATTERN}, the cache and run records)\n`);
      break;
    case 'appended':
      io.stdout(`added ${STATE_DIR_PATTERN} to ${shown(gitignore)}\n`);
      break;
    case 'present':
      break;
  }
  // -f is relative to -C, so the hint names the directory and the file apart.
  const dirFlag = root === io.cwd ? '' : ` -C ${shown(root)}`;
  const fileFlag = path.basename(file) === 'pipelines.yaml' ? '' : ` -f ${path.basename(file)}`;
  io.stdout(`next: runner${dirFlag}${fileFlag} exec ${STARTER_PIPELINE}\n`);
  return EXIT.ok;
}

/** Adds `.runner/` to a .gitignore, creating it if need be; a file that already ignores it is left as it is. */
function ignoreStateDir(file: string): 'created' | 'appended' | 'present' {
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${file}: ${messageOf(error)}`);
  }
  if (text === undefined) {
    fs.writeFileSync(file, `${STATE_DIR_PATTERN}\n`);
    return 'created';
  }
  const patterns = new Set(['.runner', '.runner/', '/.runner', '/.runner/']);
  if (text.split(/\r?\n/).some((line) => patterns.has(line.trim()))) return 'present';
  fs.appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}${STATE_DIR_PATTERN}\n`);
  return 'appended';
}
