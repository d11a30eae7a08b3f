// The reason of a rerun over a long input list, found by comparing the
// stored list chunk by chunk with the new one from both ends: every change
// is named (edits at both ends and in the middle, a file added, a file
// removed), and a stored chunk damaged where the lists agree (its damage
// found when the store checks the list's chunks) is not taken for a change.
// A list patched from the last run's (through the pass memo) finds them in
// the lines the patch replaced, without reading the stored list.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  COUNT_WORK as WORK,
  countPipeline,
  MANY_FILES as FILES,
  manyFile as file,
  MANY_FILES_PARENT,
} from './many-files.js';
import { stageEnd, Workspace } from './rig.js';

// Several runs over a long list a test: with the cores shared, one took over 30 s.
describe('the reason of a rerun over a long list', { timeout: 120_000 }, () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  async function changes(): Promise<string[]> {
    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const why = stageEnd(run.events, 'count').why;
    return why?.reason === 'changed'
      ? why.changes.map((c) => (c.kind === 'input' ? `${c.change} ${c.file}` : c.kind))
      : [String(why?.reason)];
  }

  function workspace(): void {
    ws = new Workspace('runner-test-', MANY_FILES_PARENT);
    ws.write('pipelines.yaml', countPipeline());
    ws.write('work.mjs', WORK);
    for (let i = 0; i < FILES; i++) ws.write(file(i), `file ${i}\n`);
  }

  it('names every change, at both ends and between', async () => {
    workspace();
    expect(await changes()).toEqual(['no-cache-entry']);
    // In path order: data/d00/f00000 is the first file, data/d08/f08999 the last.
    ws.write(file(0), 'first, edited\n');
    ws.write(file(4000), 'middle, edited\n');
    ws.write('data/d04/f04000a.txt', 'added\n');
    fs.rmSync(ws.path(file(8999)));
    expect(await changes()).toEqual([
      `changed ${file(0)}`,
      `changed ${file(4000)}`,
      'added data/d04/f04000a.txt',
      `removed ${file(8999)}`,
    ]);
    ws.write(file(8), 'last of d08 but one, edited\n');
    expect(await changes()).toEqual([`changed ${file(8)}`]);
  });

  it("names the changes of a list patched from the last run's from the lines the patch replaced, the stored list unread", async () => {
    workspace();
    // An hour ago: the cold run's stat pass is clean, so it keeps the pass memo a rerun's list is patched from.
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < FILES; i++) fs.utimesSync(ws.path(file(i)), hourAgo, hourAgo);
    expect(await changes()).toEqual(['no-cache-entry']);
    // A chunk of the stored list damaged (its stat kept): read, it could not be had whole (the test below).
    damageStoredChunk(file(8000));
    ws.write(file(0), 'first, edited\n');
    ws.write(file(4000), 'middle, edited\n');
    expect(await changes()).toEqual([`changed ${file(0)}`, `changed ${file(4000)}`]);
  });

  /** Damages the object of the stored list whose text names `name`, keeping its stat. */
  function damageStoredChunk(name: string): void {
    const objects = ws.path('.runner', 'objects');
    const chunk = fs
      .readdirSync(objects)
      .map((entry) => path.join(objects, entry))
      .find((p) => fs.statSync(p).isFile() && fs.readFileSync(p, 'latin1').includes(` ${name}\n`));
    expect(chunk).toBeDefined();
    const st = fs.statSync(chunk as string);
    const bytes = fs.readFileSync(chunk as string);
    bytes[0] = bytes[0] === 0x61 ? 0x62 : 0x61;
    fs.writeFileSync(chunk as string, bytes);
    fs.utimesSync(chunk as string, st.atime, st.mtime);
  }

  it('does not take a stored chunk damaged where the lists agree for a change', async () => {
    workspace();
    await changes();
    // The stored list's chunks: the objects its first rerun's list names. Damage one far from the edit, keeping its stat.
    ws.write(file(4000), 'middle, edited\n');
    expect(await changes()).toEqual([`changed ${file(4000)}`]);
    damageStoredChunk(file(0));
    // No pass memo (the last run's list would be patched, and the stored one left unread): the reason reads the stored list.
    fs.rmSync(ws.path('.runner', 'passes'), { recursive: true, force: true });
    ws.write(file(8), 'edited\n');
    // Its list could not be read back whole: no reason beyond that, and never the damaged line as a change.
    expect(await changes()).toEqual(['no-cache-entry']);
  });
});
