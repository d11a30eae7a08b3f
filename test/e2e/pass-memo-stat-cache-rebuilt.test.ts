// A long list's stage that must run while every file's stat is the pass
// memo's takes the files' hashes from the memo's list text, not from the
// files: a stat cache rebuilt (a new format, or damage) knows none of them,
// and reading 100,000 files again cost that first run 2-12 s. The text is
// taken only when its sha256 is the list hash the memo keeps.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  COUNT_WORK as WORK,
  countPipeline,
  MANY_FILES as FILES,
  manyFile as file,
  MANY_FILES_PARENT,
} from './many-files.js';
import { stageEnd, Workspace } from './rig.js';

describe('a stage keyed from its pass memo, run after the stat cache was rebuilt', { timeout: 120_000 }, () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  async function count(...flags: string[]): Promise<ReturnType<typeof stageEnd>> {
    const run = await ws.run(['exec', 'p', '--json', ...flags]);
    expect(run.code, run.stderr).toBe(0);
    return stageEnd(run.events, 'count');
  }

  function memoFiles(): { bin: string; list: string } {
    const names = fs.readdirSync(ws.path('.runner', 'passes')).filter((name) => name.endsWith('.bin'));
    expect(names).toHaveLength(1);
    const bin = ws.path('.runner', 'passes', names[0] as string);
    return { bin, list: bin.replace(/\.bin$/, '.list') };
  }

  /** Gives `path`'s line in the memo's text another hash, and the memo the text's new sha256 as its list hash. */
  function alterLine(path: string): void {
    const { bin, list } = memoFiles();
    const lines = fs.readFileSync(list, 'utf8').split('\n');
    const at = lines.findIndex((line) => line.endsWith(` ${path}`));
    expect(at).toBeGreaterThanOrEqual(0);
    lines[at] = `${'0'.repeat(64)} ${path}`;
    const text = lines.join('\n');
    const bytes = fs.readFileSync(bin);
    const newline = bytes.indexOf(10);
    const head = JSON.parse(bytes.subarray(0, newline).toString()) as { inputs: string };
    const inputs = createHash('sha256').update(text).digest('hex');
    fs.writeFileSync(list, text);
    fs.writeFileSync(
      bin,
      Buffer.concat([Buffer.from(`${JSON.stringify({ ...head, inputs })}\n`), bytes.subarray(newline + 1)]),
    );
  }

  function removeStatCache(): void {
    for (const name of fs.readdirSync(ws.path('.runner')))
      if (name.startsWith('stat-cache')) fs.rmSync(ws.path('.runner', name), { recursive: true });
  }

  it("takes the files' hashes from the memo's list text, not from the files", async () => {
    ws = new Workspace('runner-test-', MANY_FILES_PARENT);
    ws.write('pipelines.yaml', countPipeline());
    ws.write('work.mjs', WORK);
    // Written an hour ago: none is racy, so the cold run keeps its memo.
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < FILES; i++) {
      ws.write(file(i), `file ${i}\n`);
      fs.utimesSync(ws.path(file(i)), hourAgo, hourAgo);
    }
    const cold = await count();
    expect(cold.items).toMatchObject({ total: FILES, cached: 0 });
    removeStatCache();
    expect(await count()).toMatchObject({ outcome: 'cached', key: cold.key });

    // One line of the text altered (and the list hash with it): the stage's key is no record's, so it runs.
    // Its items are keyed by the text's hashes: the altered file's item alone is computed again. Hashed
    // from the files, every item would be cached, and the list (the files' own) would replace the memo.
    removeStatCache();
    alterLine(file(10));
    const fromText = await count();
    expect(fromText).toMatchObject({ outcome: 'ran' });
    expect(fromText.key).not.toBe(cold.key);
    expect(fromText.items).toMatchObject({ total: FILES, cached: FILES - 1, failed: 0 });
    expect(fs.readFileSync(memoFiles().list, 'utf8')).toContain(`${'0'.repeat(64)} ${file(10)}\n`);

    // A text whose sha256 is not the memo's list hash (damaged after a line was altered) is not taken:
    // the list is made from the files and replaces the memo, so the run after is keyed as the cold run.
    removeStatCache();
    alterLine(file(11));
    const { list } = memoFiles();
    const damaged = fs.readFileSync(list);
    damaged[100] = damaged[100] === 0x61 ? 0x62 : 0x61;
    fs.writeFileSync(list, damaged);
    expect(await count()).toMatchObject({ outcome: 'ran' });
    expect(await count()).toMatchObject({ outcome: 'cached', key: cold.key });
  });
});
