// Stage `write` (task): one markdown task per bundle in params.out, plus
// INDEX.md. Only the text between the SONARFLOW markers is rewritten, and a
// file is written only when its text changes. A task file whose bundle is
// gone is kept and listed as resolved in the index, never deleted.
// The stage has cache policy `never`: it is cheap and merges with files the
// reader edits, which a restored output would overwrite.
import fs from 'node:fs';
import path from 'node:path';
import type { JsonRecord, StageContext } from '../../src/api.js';
import { makeDirectoryParam } from '../lib/param-directory.js';
import { NotUtf8Error, readTextIfExists, writeTextAtomic } from '../lib/text-file.js';
import { BEGIN, INDEX_FILE, indexRegion, mergeRegion, regionTitle, taskRegion } from './markdown.js';
import type { ResolvedTask } from './markdown.js';
import type { PlannedBundle } from './types.js';

export type WriteStatus = 'created' | 'updated' | 'unchanged' | 'resolved';

export async function write(ctx: StageContext): Promise<JsonRecord[]> {
  const out = String(ctx.params.out);
  const dir = makeDirectoryParam('out', out, ctx.workspace, {
    purpose: 'the directory for the task files',
    example: 'tasks/sonarflow',
  });
  const bundles: PlannedBundle[] = [];
  for await (const record of ctx.upstream('plan')) bundles.push(record as PlannedBundle);
  const results: JsonRecord[] = [];
  const current = new Set<string>();
  for (const bundle of bundles) {
    const file = `${bundle.id}.md`;
    current.add(file);
    results.push({
      id: bundle.id,
      file: `${out}/${file}`,
      status: writeMerged(path.join(dir, file), taskRegion(bundle), `${out}/${file}`),
    });
  }
  const resolved = resolvedTasks(dir, current);
  for (const task of resolved)
    results.push({ id: task.file.replace(/\.md$/, ''), file: `${out}/${task.file}`, status: 'resolved' });
  writeMerged(path.join(dir, INDEX_FILE), indexRegion(bundles, resolved), `${out}/${INDEX_FILE}`);
  const count = (status: WriteStatus): number => results.filter((r) => r.status === status).length;
  ctx.log(
    `${out}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged, ${resolved.length} resolved`,
  );
  return results;
}

function writeMerged(file: string, region: string, where: string): WriteStatus {
  let existing: string | undefined;
  try {
    existing = readTextIfExists(file);
  } catch (error) {
    if (!(error instanceof NotUtf8Error)) throw error;
    throw new Error(
      `${where} ${error.message}; left as it is, since the text outside the markers would lose those bytes: save it as UTF-8 and run again`,
    );
  }
  const text = mergeRegion(existing, region, where);
  if (text === existing) return 'unchanged';
  writeTextAtomic(file, text);
  return existing === undefined ? 'created' : 'updated';
}

/** Task files sonarflow wrote earlier (they carry the markers) whose bundle is not in this run. */
function resolvedTasks(dir: string, current: ReadonlySet<string>): ResolvedTask[] {
  const resolved: ResolvedTask[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.md') || file === INDEX_FILE || current.has(file)) continue;
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    if (!text.includes(BEGIN)) continue;
    resolved.push({ file, title: regionTitle(text) ?? file });
  }
  return resolved;
}
