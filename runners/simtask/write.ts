// simtask/write: one markdown task per cluster in params.out. A file is
// written only when its text changes, so an unchanged cluster leaves its
// file (and its mtime) alone and a rerun after a small edit touches only the
// affected tasks. Task files of clusters that are gone are removed when no
// person touched them and marked `stale: true` otherwise (task-file.ts).
// Files in params.out that are not simtask task files are never touched.
// A file whose cluster's plan record and whose stat (size, change time,
// inode) are the ones a run found it unchanged with is passed over without
// being read or rendered (ctx.memo, on this machine and directory, with
// this code): a rerun after one edit then reads only the tasks whose
// clusters changed.
//
// The stage declares no `outputs`: the runner would restore a changed
// output from its cache, overwriting what a person wrote outside the
// markers. Returns one record per task file with what happened to it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StageContext } from '../../src/api.js';
import { makeDirectoryParam } from '../lib/param-directory.js';
import { notUtf8, writeTextAtomic } from '../lib/text-file.js';
import type { NotUtf8Error } from '../lib/text-file.js';
import { compare } from './order.js';
import { isTaskFile, mergeTask, staleTask } from './task-file.js';
import { renderTask, taskFileName } from './task-render.js';
import type { PlanRecord, WriteRecord } from './types.js';

const STALE_NOTICE =
  'This cluster no longer appears in `runner exec simtask` output: its copies were consolidated, changed or removed. ' +
  'The file is kept because it has notes outside the markers; delete it when they are no longer needed.';

/** The task files a run found unchanged: name -> [its plan record's hash, size, change time, inode]. */
interface Unchanged {
  where: string;
  files: Record<string, [record: string, size: number, changedMs: number, ino: number]>;
}

const MEMO_KEY = 'unchanged-task-files';
/**
 * A file changed within this long of when it is looked at may change again
 * with the same change time (the kernel's clock ticks every few ms): its
 * stat is not kept, and the next run reads it.
 */
const RACY_MS = 1000;

export async function write(
  ctx: Pick<StageContext, 'params' | 'upstream' | 'workspace' | 'log' | 'code'> & Partial<Pick<StageContext, 'memo'>>,
): Promise<WriteRecord[]> {
  const out = String(ctx.params.out);
  const dir = makeDirectoryParam('out', out, ctx.workspace, {
    purpose: 'the directory for the task files',
    example: 'tasks/simtask',
  });
  // Stats mean nothing on another machine (a shared cache store) or in another directory; and what is
  // unchanged under other code (a new template) may not be under this one, which renders every file again.
  const where = `${os.hostname()}\0${dir}\0${out}\0${ctx.code}`;
  const memo = await ctx.memo?.get<Unchanged>(MEMO_KEY);
  // A memo of another shape (damaged, or kept by another version) is none.
  const seen = memo?.where === where && typeof memo.files === 'object' && memo.files !== null ? memo.files : {};
  const unchanged: Unchanged = { where, files: {} };
  const records: WriteRecord[] = [];
  const current = new Set<string>();
  // Task files a person saved in another encoding: merged and written back, their notes would lose those bytes.
  const unreadable: string[] = [];
  for await (const record of ctx.upstream('plan') as AsyncIterable<PlanRecord>) {
    const name = taskFileName(record);
    current.add(name);
    const file = path.join(dir, name);
    const recordHash = createHash('sha256').update(JSON.stringify(record)).digest('base64');
    const st = fs.statSync(file, { throwIfNoEntry: false });
    const before = seen[name];
    if (
      st !== undefined &&
      Array.isArray(before) &&
      before[0] === recordHash &&
      before[1] === st.size &&
      before[2] === st.ctimeMs &&
      before[3] === st.ino
    ) {
      unchanged.files[name] = before;
      records.push({ file: path.posix.join(out, name), cluster: record.id, action: 'unchanged' });
      continue;
    }
    const read = readIfExists(file);
    if (read?.notUtf8) {
      unreadable.push(`${path.posix.join(out, name)} ${read.notUtf8.message}`);
      continue;
    }
    const existing = read?.text;
    const text = mergeTask(existing, renderTask(record, out));
    const action = existing === undefined ? 'created' : existing === text ? 'unchanged' : 'updated';
    if (action !== 'unchanged') writeTextAtomic(file, text);
    else if (st !== undefined && Date.now() - st.ctimeMs > RACY_MS)
      unchanged.files[name] = [recordHash, st.size, st.ctimeMs, st.ino];
    records.push({ file: path.posix.join(out, name), cluster: record.id, action });
  }
  for (const name of fs.readdirSync(dir).sort(compare)) {
    if (!name.endsWith('.md') || current.has(name)) continue;
    const file = path.join(dir, name);
    const read = readIfExists(file);
    if (read === undefined || !isTaskFile(read.text)) continue;
    const existing = read.text;
    const cluster = /^cluster:\s*(\S+)/m.exec(existing)?.[1] ?? '';
    const outcome = staleTask(existing, STALE_NOTICE);
    if (outcome.action === 'mark' && read.notUtf8) {
      unreadable.push(`${path.posix.join(out, name)} ${read.notUtf8.message}`);
      continue;
    }
    if (outcome.action === 'remove') {
      fs.rmSync(file);
      records.push({ file: path.posix.join(out, name), cluster, action: 'removed' });
    } else {
      if (outcome.text !== existing) writeTextAtomic(file, outcome.text);
      records.push({
        file: path.posix.join(out, name),
        cluster,
        action: outcome.text === existing ? 'unchanged' : 'marked-stale',
      });
    }
  }
  await ctx.memo?.set(MEMO_KEY, unchanged);
  const counts = new Map<string, number>();
  for (const record of records) counts.set(record.action, (counts.get(record.action) ?? 0) + 1);
  ctx.log(
    `${out}: ${['created', 'updated', 'unchanged', 'removed', 'marked-stale'].map((a) => `${counts.get(a) ?? 0} ${a}`).join(', ')}`,
  );
  if (unreadable.length > 0) {
    const [it, is] = unreadable.length === 1 ? ['it', 'it is'] : ['them', 'they are'];
    throw new Error(
      `${unreadable.join('; ')}; left as ${is}, since the notes outside the markers would lose those bytes: save ${it} as UTF-8 and run again`,
    );
  }
  return records.sort((a, b) => compare(a.file, b.file));
}

// Task files are small and a rerun reads every one of them to compare:
// synchronous calls, one each, cost a tenth of fs/promises' round trips
// through the thread pool (measured on 1,491 files: about 40 ms against
// 400 ms).
function readIfExists(file: string): { text: string; notUtf8?: NotUtf8Error } | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const encoding = notUtf8(bytes);
  return { text: bytes.toString('utf8'), ...(encoding ? { notUtf8: encoding } : {}) };
}
