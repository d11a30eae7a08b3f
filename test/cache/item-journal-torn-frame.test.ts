// The item journal: frames written by a run that was killed in the middle
// of a write (a frame cut short) or whose bytes rotted (a checksum that
// fails) end the journal there; the whole frames before stay usable, and
// the next append goes right after them. A write the disk refuses (full)
// fails naming the journal and saying what to do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KEY_BYTES, keyOf } from '../../src/cache/item-keys.js';
import { ItemJournal } from '../../src/cache/item-journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function journalFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-'));
  dirs.push(dir);
  return path.join(dir, 'stage', 'scope.journal');
}

function frame(journal: ItemJournal, names: string[]): void {
  const keys = Buffer.concat(names.map((name) => keyOf(name)));
  journal.append(
    names.map((name, i) => ({
      keys,
      keyOffset: i * KEY_BYTES,
      out: Buffer.from(`{"name":"${name}"}\n`),
      count: 1,
      raw: i === 0 ? '"raw"' : undefined,
    })),
  );
}

function outputs(journal: ItemJournal): string[] {
  return Array.from({ length: journal.entries }, (_, i) => journal.output(i).toString());
}

describe('the item journal on a full disk', () => {
  it('fails an append naming the journal and saying the disk is full', () => {
    const file = journalFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // /dev/full refuses every write with ENOSPC, as a full disk does.
    fs.symlinkSync('/dev/full', file);
    const journal = new ItemJournal(file);
    let error: unknown;
    try {
      frame(journal, ['a']);
    } catch (caught) {
      error = caught;
    } finally {
      journal.close();
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect((error as Error).message).toBe(
      `cannot write the item journal ${file}: ENOSPC: no space left on device, write (the disk is full: free space on it and run again)`,
    );
  });
});

describe('the item journal', () => {
  it('reads back every whole frame', () => {
    const file = journalFile();
    const journal = new ItemJournal(file);
    frame(journal, ['a', 'b']);
    frame(journal, ['c']);
    journal.close();
    const again = new ItemJournal(file);
    expect(outputs(again)).toEqual(['{"name":"a"}\n', '{"name":"b"}\n', '{"name":"c"}\n']);
    expect(again.raw(0)).toBe('"raw"');
    expect(again.raw(1)).toBeUndefined();
    expect(again.keys.subarray(KEY_BYTES, 2 * KEY_BYTES).equals(keyOf('b'))).toBe(true);
    expect(again.droppedBytes).toBe(0);
    again.close();
  });

  it('ends at a frame cut short by a kill, and appends after the last whole one', () => {
    const file = journalFile();
    const journal = new ItemJournal(file);
    frame(journal, ['a', 'b']);
    const whole = fs.statSync(file).size;
    frame(journal, ['c', 'd']);
    journal.close();
    fs.truncateSync(file, fs.statSync(file).size - 7);

    const reopened = new ItemJournal(file);
    expect(outputs(reopened)).toEqual(['{"name":"a"}\n', '{"name":"b"}\n']);
    expect(reopened.droppedBytes).toBeGreaterThan(0);
    expect(fs.statSync(file).size).toBe(whole);
    frame(reopened, ['e']);
    reopened.close();
    expect(outputs(new ItemJournal(file))).toEqual(['{"name":"a"}\n', '{"name":"b"}\n', '{"name":"e"}\n']);
  });

  it('ends at a frame whose checksum fails', () => {
    const file = journalFile();
    const journal = new ItemJournal(file);
    frame(journal, ['a']);
    const first = fs.statSync(file).size;
    frame(journal, ['b']);
    journal.close();
    const bytes = fs.readFileSync(file);
    bytes[first + 60] = (bytes[first + 60] ?? 0) ^ 0xff;
    fs.writeFileSync(file, bytes);
    const reopened = new ItemJournal(file);
    expect(outputs(reopened)).toEqual(['{"name":"a"}\n']);
    reopened.close();
  });

  it('is empty when there is none, and remove() deletes it', () => {
    const file = journalFile();
    const journal = new ItemJournal(file);
    expect(journal.entries).toBe(0);
    frame(journal, ['a']);
    expect(fs.existsSync(file)).toBe(true);
    journal.remove();
    expect(fs.existsSync(file)).toBe(false);
  });
});
