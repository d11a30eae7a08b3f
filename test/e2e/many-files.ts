// The workspace of the tests of a map over a long list of files: more than
// the 8,192 files a stat pass takes two threads for (and the 1,024 unknown
// ones a cold map starts before reading), 1,000 a directory, and the
// pipeline that maps them one item a file.

import fs from 'node:fs';
import os from 'node:os';

export const MANY_FILES = 9000;

/**
 * Where a workspace of thousands of files is made: a tmpfs where there is
 * one (making 9,000 files on this VM's disk took about 10 s a test; on
 * /dev/shm a fraction of that).
 */
export const MANY_FILES_PARENT = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

/** File `i` of the workspace. */
export const manyFile = (i: number): string =>
  `data/d${String(i % 9).padStart(2, '0')}/f${String(i).padStart(5, '0')}.txt`;

/** work.mjs of countPipeline: `count` reads its file and answers its path and length. */
export const COUNT_WORK = `import fs from 'node:fs';
export function count(item, ctx) {
  return { path: item.path, n: fs.readFileSync(ctx.workspace.resolve(item.path), 'utf8').length };
}
`;

/** Pipeline `p`: `count` maps every file (work.mjs#count, item cache), then `more` stages. */
export function countPipeline(more = ''): string {
  return `version: 1
pipelines:
  p:
    stages:
      count:
        run: work.mjs#count
        foreach: { files: ["data/**/*.txt"] }
        batchSize: 500
        isolate: inline
        cache: { scope: item }
${more}`;
}
