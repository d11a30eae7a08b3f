// A no-op over a long list keys its stage from the pass memo (.runner/passes/):
// the list hash the last clean stat pass gave, taken back while every file's
// stat is byte for byte the same. The memo is what the key comes from (a
// memo altered by hand changes it), an edit or an added file is never
// hidden by it (nor a same-size rewrite whose mtime was put back), a run
// after an edit keeps it for the no-op after it, and a pass that read a
// file whose stat was too recent to vouch for its content keeps none. A
// rerun after a few edits
// takes the other files' lines from the memo's list text (.list): its key
// is the one the whole list gives, and it is that text the key comes from;
// a text damaged or gone is not used. The daemon keys its answers from the
// memo as a run of its own does.
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
import { DAEMON, killDaemon, runStart, stageEnd, startDaemon, Workspace } from './rig.js';

const PIPELINE = countPipeline();

// Many runs over 9,000 files a test: with the cores shared (two test files at once, and more), one took over 30 s.
describe('the pass memo', { timeout: 120_000 }, () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  /** The pipeline and its files, written an hour ago: one written in the last two seconds with a whole-millisecond mtime is racy. */
  function workspace(): void {
    ws = new Workspace('runner-test-', MANY_FILES_PARENT);
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('work.mjs', WORK);
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < FILES; i++) {
      ws.write(file(i), `file ${i}\n`);
      fs.utimesSync(ws.path(file(i)), hourAgo, hourAgo);
    }
  }

  function memoFile(): string {
    const names = fs.readdirSync(ws.path('.runner', 'passes')).filter((name) => name.endsWith('.bin'));
    expect(names).toHaveLength(1);
    return ws.path('.runner', 'passes', names[0] as string);
  }

  function headOf(memo: string): { inputs: string } {
    const bytes = fs.readFileSync(memo);
    return JSON.parse(bytes.subarray(0, bytes.indexOf(10)).toString()) as { inputs: string };
  }

  /** Writes a list hash no list has into the memo's head, its stats kept. */
  function alterListHash(memo: string): void {
    const bytes = fs.readFileSync(memo);
    const altered = { ...headOf(memo), inputs: '0'.repeat(64) };
    fs.writeFileSync(
      memo,
      Buffer.concat([Buffer.from(`${JSON.stringify(altered)}\n`), bytes.subarray(bytes.indexOf(10) + 1)]),
    );
  }

  async function count(...flags: string[]): Promise<ReturnType<typeof stageEnd>> {
    const run = await ws.run(['exec', 'p', '--json', ...flags]);
    expect(run.code, run.stderr).toBe(0);
    return stageEnd(run.events, 'count');
  }

  it('gives a no-op its key, never hides an edit, an added file or a rewrite whose mtime was put back', async () => {
    workspace();
    // The cold run (its files read as its items ran) keeps its clean answer; the no-op is keyed from it.
    const key = (await count()).key;
    const memo = memoFile();
    expect(await count()).toMatchObject({ outcome: 'cached', key });

    // The key comes from the memo: with its list hash altered, the stage's key changes and it runs; the
    // list it builds to run replaces the memo, so the run after is cached again.
    alterListHash(memo);
    expect((await count()).outcome).toBe('ran');
    expect(await count()).toMatchObject({ outcome: 'cached', key });
    fs.rmSync(memo);
    expect(await count()).toMatchObject({ outcome: 'cached', key });
    expect(await count()).toMatchObject({ outcome: 'cached', key });

    ws.write(file(4321), 'file 4321, edited\n');
    expect(await count()).toMatchObject({ outcome: 'ran', reason: `input changed: ${file(4321)}` });
    ws.write('data/d00/new.txt', 'a new file\n');
    expect(await count()).toMatchObject({ outcome: 'ran', reason: 'input added: data/d00/new.txt' });
    await count();

    // The same size with other content and the mtime it had: its ctime moved, and the memo is not taken.
    const rewritten = ws.path(file(100));
    const { mtime } = fs.statSync(rewritten);
    expect(await count()).toMatchObject({ outcome: 'cached' });
    fs.writeFileSync(rewritten, 'file 999\n');
    fs.utimesSync(rewritten, mtime, mtime);
    expect(await count()).toMatchObject({ outcome: 'ran', reason: `input changed: ${file(100)}` });
  });

  it("keys the daemon's answers too: an altered memo sends the run back and is replaced, a touch is cached, an edit runs", async () => {
    workspace();
    const pid = await startDaemon(ws, 'p');
    try {
      const run = (): ReturnType<Workspace['run']> => ws.run(['exec', 'p', '--json'], { env: DAEMON });
      const answered = await run();
      expect(runStart(answered.events)?.daemon).toBe(true);
      const { outcome, key } = stageEnd(answered.events, 'count');
      expect(outcome).toBe('cached');
      // The daemon read the memo for its answers; rewritten in place (the same inode and size), it is read again.
      alterListHash(memoFile());
      const altered = await run();
      expect(runStart(altered.events)?.handedBack, altered.stderr).toBe('a stage must run');
      // The daemon, finding why the stage must run, built the list, whose hash is not the memo's: the memo is
      // replaced, and the run in the command's own process keys the stage as before; the next, the daemon answers.
      expect(stageEnd(altered.events, 'count').key).toBe(key);
      const again = await run();
      expect(runStart(again.events)?.daemon).toBe(true);
      expect(stageEnd(again.events, 'count')).toMatchObject({ outcome: 'cached', key });
      // A touch (a new mtime, the same bytes): the daemon keys it from the memo's text, the key unchanged.
      const touched = ws.path(file(4321));
      const later = new Date(Date.now() - 1_800_000);
      fs.utimesSync(touched, later, later);
      const afterTouch = await run();
      expect(runStart(afterTouch.events)?.daemon).toBe(true);
      expect(stageEnd(afterTouch.events, 'count')).toMatchObject({ outcome: 'cached', key });
      // An edit is never hidden by it: the run goes back to its command, and the stage runs.
      ws.write(file(4321), 'file 4321, edited\n');
      const edited = await run();
      expect(runStart(edited.events)?.daemon).toBeUndefined();
      expect(stageEnd(edited.events, 'count')).toMatchObject({
        outcome: 'ran',
        reason: `input changed: ${file(4321)}`,
      });
    } finally {
      await killDaemon(pid);
    }
  });

  it('is kept by the run after an edit, so the no-op after it takes its key from the memo', async () => {
    workspace();
    await count();
    const memo = memoFile();
    const text = memo.replace(/\.bin$/, '.list');
    const inode = fs.statSync(text).ino;
    ws.write(file(4321), 'file 4321, edited\n');
    const edited = await count();
    expect(edited).toMatchObject({ outcome: 'ran', reason: `input changed: ${file(4321)}` });
    // The edited line written over the memo's text in place (a hash as long as the one it replaced): the text of the list the memo names.
    expect(fs.statSync(text).ino).toBe(inode);
    expect(createHash('sha256').update(fs.readFileSync(text)).digest('hex')).toBe(headOf(memo).inputs);
    expect(await count()).toMatchObject({ outcome: 'cached', key: edited.key });
    // Kept by the edit's run itself: its list hash altered before any other run, the next run's key is that hash's.
    ws.write(file(77), 'file 77, edited\n');
    expect((await count()).outcome).toBe('ran');
    alterListHash(memoFile());
    expect((await count()).outcome).toBe('ran');
  });

  it('is not believed when a run died between writing its lines over the text and its stats', async () => {
    workspace();
    const cold = await count();
    const memo = memoFile();
    const before = fs.readFileSync(memo);
    const hourAgo = fs.statSync(ws.path(file(4321))).mtime;
    ws.write(file(4321), 'file 4321, edited\n');
    await count();
    // The head and stats of the memo before, beside the text the edit's run patched: a run killed between the two writes.
    fs.writeFileSync(memo, before);
    // The file put back as it was, its stat the old memo's again: that memo's list hash is right for it...
    ws.write(file(4321), 'file 4321\n');
    fs.utimesSync(ws.path(file(4321)), hourAgo, hourAgo);
    expect(await count()).toMatchObject({ outcome: 'cached', key: cold.key });
    // ...but not the text beside it, which holds the edited line: a list patched from that text would keep it.
    ws.write(file(77), 'file 77, edited\n');
    const next = await count();
    expect(next).toMatchObject({ outcome: 'ran', reason: `input changed: ${file(77)}` });
    fs.rmSync(ws.path('.runner', 'passes'), { recursive: true });
    expect((await count('--force')).key).toBe(next.key);
  });

  it('is not kept by a cold run that read a racy file', async () => {
    workspace();
    // The runner's clock a minute behind: every file changed after the time it is hashed at, too recently to vouch for.
    ws.write('behind.cjs', 'const now = Date.now;\nDate.now = () => now() - 60_000;\n');
    const behind = await ws.run(['exec', 'p', '--json'], {
      env: { NODE_OPTIONS: `--require ${ws.path('behind.cjs')}` },
    });
    expect(stageEnd(behind.events, 'count').outcome).toBe('ran');
    expect(fs.existsSync(ws.path('.runner', 'passes'))).toBe(false);
    // On time again: the no-op's pass is clean, and kept.
    expect(await count()).toMatchObject({ outcome: 'cached' });
    memoFile();
  });

  it('stores the list of an edit after an edit as the whole list stores it, from the list before both', async () => {
    workspace();
    await count();
    const objects = (): Set<string> =>
      new Set(fs.readdirSync(ws.path('.runner', 'objects'), { recursive: true }) as string[]);
    const passes = ws.path('.runner', 'passes');
    const coldMemo = fs.readdirSync(passes).map((name) => [name, fs.readFileSync(`${passes}/${name}`)] as const);
    ws.write(file(4321), 'file 4321, edited\n');
    expect(await count()).toMatchObject({ outcome: 'ran', reason: `input changed: ${file(4321)}` });
    // The cold run's memo put back (as a run that kept none would leave it): this list is patched in two lines from that one.
    for (const [name, bytes] of coldMemo) fs.writeFileSync(`${passes}/${name}`, bytes);
    ws.write(file(77), 'file 77, edited\n');
    expect(await count()).toMatchObject({ outcome: 'ran', reason: `input changed: ${file(77)}` });
    // The next reason reads that stored list back: it names only the file edited since.
    ws.write(file(8000), 'file 8000, edited\n');
    expect(await count()).toMatchObject({ outcome: 'ran', reason: `input changed: ${file(8000)}` });
    ws.write(file(8000), 'file 8000\n');
    fs.utimesSync(ws.path(file(8000)), new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    // The same list cut whole (no memo, forced) is made of objects already there: it is the same dataset.
    fs.rmSync(ws.path('.runner', 'passes'), { recursive: true });
    fs.rmSync(ws.path('.runner', 'stat-cache.bin'), { force: true });
    const stored = objects();
    await count('--force');
    const added = [...objects()].filter((name) => !stored.has(name));
    expect(added).toEqual([]);
  });

  it('stores the list whole when the chunks of the list it was patched from are gone', async () => {
    workspace();
    await count();
    // The stored list's chunks (and nothing else: an output record names its path after a quote, not a space).
    const objects = ws.path('.runner', 'objects');
    const listChunks = fs
      .readdirSync(objects)
      .filter((name) => fs.statSync(`${objects}/${name}`).isFile())
      .filter((name) => fs.readFileSync(`${objects}/${name}`, 'latin1').includes(` ${file(1)}\n`));
    expect(listChunks).toHaveLength(1);
    for (const name of listChunks) fs.rmSync(`${objects}/${name}`);
    // An edit far from that chunk: a list patched from the old one would name it, and it would stay missing.
    ws.write(file(8000), 'file 8000, edited\n');
    const edited = await count();
    expect(edited).toMatchObject({ outcome: 'ran' });
    // The same list cut whole (no memo, forced) adds no object: the edit's run stored it whole.
    fs.rmSync(ws.path('.runner', 'passes'), { recursive: true });
    const before = new Set(fs.readdirSync(objects));
    expect((await count('--force')).key).toBe(edited.key);
    expect(fs.readdirSync(objects).filter((name) => !before.has(name))).toEqual([]);
  });

  it("keys a rerun after files were added and removed from the memo's list text, as the whole list keys it", async () => {
    workspace();
    await count();
    const memo = memoFile().replace(/\.bin$/, '');
    ws.write('data/d00/a-new.txt', 'added\n');
    fs.rmSync(ws.path(file(4000)));
    ws.write(file(77), 'file 77, edited\n');
    const aligned = await count();
    expect(aligned.outcome).toBe('ran');
    fs.rmSync(ws.path('.runner', 'passes'), { recursive: true });
    expect((await count('--force')).key).toBe(aligned.key);

    // The lines of files that did not change come from the memo's text: one altered (and the memo's list hash with it) changes the key.
    await count();
    const text = fs.readFileSync(`${memo}.list`, 'utf8');
    const altered = text
      .split('\n')
      .map((line) => (line.endsWith(` ${file(9)}`) ? `${'0'.repeat(64)} ${file(9)}` : line))
      .join('\n');
    expect(altered).not.toBe(text);
    const bytes = fs.readFileSync(`${memo}.bin`);
    const inputs = createHash('sha256').update(altered).digest('hex');
    fs.writeFileSync(`${memo}.list`, altered);
    fs.writeFileSync(
      `${memo}.bin`,
      Buffer.concat([
        Buffer.from(`${JSON.stringify({ ...headOf(`${memo}.bin`), inputs })}\n`),
        bytes.subarray(bytes.indexOf(10) + 1),
      ]),
    );
    ws.write('data/d01/b-new.txt', 'added too\n');
    const fromAltered = await count();
    expect(fromAltered.outcome).toBe('ran');
    fs.rmSync(ws.path('.runner', 'passes'), { recursive: true });
    expect((await count('--force')).key).not.toBe(fromAltered.key);
  });

  it("keys a rerun after a few edits from the memo's list text, as the whole list keys it", async () => {
    workspace();
    await count();
    const memo = memoFile().replace(/\.bin$/, '');
    expect(fs.existsSync(`${memo}.list`)).toBe(true);

    /** The key a run that builds the whole list gives (no memo: a forced run). */
    const wholeKey = async (): Promise<string | undefined> => {
      fs.rmSync(ws.path('.runner', 'passes'), { recursive: true });
      return (await count('--force')).key;
    };

    ws.write(file(4321), 'file 4321, edited\n');
    ws.write(file(77), 'file 77, edited\n');
    const near = await count();
    expect(near).toMatchObject({ outcome: 'ran' });
    expect(await wholeKey()).toBe(near.key);

    // A memo's text that is not the list its hash names (damaged, or left by a run that died between the two writes) is not used.
    await count();
    const damaged = fs.readFileSync(`${memo}.list`);
    damaged[100] = damaged[100] === 0x61 ? 0x62 : 0x61;
    fs.writeFileSync(`${memo}.list`, damaged);
    ws.write(file(3000), 'file 3000, edited\n');
    const afterDamage = await count();
    expect(afterDamage).toMatchObject({ outcome: 'ran', reason: `input changed: ${file(3000)}` });
    expect(await wholeKey()).toBe(afterDamage.key);
    // Nor is a memo whose text is gone.
    await count();
    fs.rmSync(`${memo}.list`);
    ws.write(file(3001), 'file 3001, edited\n');
    const noText = await count();
    expect(await wholeKey()).toBe(noText.key);

    // The lines of files that did not change come from the memo's text: one altered (and the memo's list hash with it) changes the key.
    await count();
    const text = fs.readFileSync(`${memo}.list`, 'utf8');
    const line = text.split('\n').findIndex((l) => l.endsWith(` ${file(10)}`));
    const altered = text
      .split('\n')
      .map((l, i) => (i === line ? `${'0'.repeat(64)} ${file(10)}` : l))
      .join('\n');
    const bytes = fs.readFileSync(`${memo}.bin`);
    const newline = bytes.indexOf(10);
    const head = JSON.parse(bytes.subarray(0, newline).toString()) as { inputs: string };
    const inputs = createHash('sha256').update(altered).digest('hex');
    fs.writeFileSync(`${memo}.list`, altered);
    fs.writeFileSync(
      `${memo}.bin`,
      Buffer.concat([Buffer.from(`${JSON.stringify({ ...head, inputs })}\n`), bytes.subarray(newline + 1)]),
    );
    ws.write(file(4321), 'file 4321, edited again\n');
    const fromAltered = await count();
    expect(fromAltered.key).not.toBe(await wholeKey());
  });
});
