// frontmatter: a repair adds what is missing and leaves every other byte
// alone (the body byte for byte, comments, key order, quoting, CRLF, a
// BOM), repairing twice changes nothing, and front matter that cannot be
// read is reported, never rewritten.
import { describe, expect, it } from 'vitest';
import { parseTaskFile, repairTaskFile } from '../../runners/boardrev/frontmatter.js';

const at = { path: 'examples/board/engine/Item Cache.md', board: 'examples/board' };

function bodyOf(text: string): string {
  return parseTaskFile(text).body;
}

describe('front matter repair', () => {
  it('puts a block in front of a file without one, body byte for byte', () => {
    const original = '# Fix the **cache**  \n\nSome text.\n\n```yaml\n---\nstatus: done\n---\n```\n- [ ] one\n\n\n';
    const repair = repairTaskFile(original, at);
    expect(repair.isChanged).toBe(true);
    expect(repair.text).toBe(
      `---\nid: engine-item-cache\ntitle: Fix the **cache**\nstatus: todo\npriority: P3\n---\n${original}`,
    );
    expect(bodyOf(repair.text)).toBe(original);
    expect(repair.changes).toEqual(['added id', 'added title', 'added status', 'added priority']);
  });

  it('appends only the missing keys, keeping comments, order and quoting', () => {
    const original =
      "---\n# owner: sonia\ntitle: 'Keep: this'   # quoted on purpose\nlabels: [a, b]\n---\nBody without a trailing newline";
    const repair = repairTaskFile(original, at);
    expect(repair.text).toBe(
      "---\n# owner: sonia\ntitle: 'Keep: this'   # quoted on purpose\nlabels: [a, b]\nid: engine-item-cache\nstatus: todo\npriority: P3\n---\nBody without a trailing newline",
    );
    expect(repair.record).toMatchObject({
      id: 'engine-item-cache',
      title: 'Keep: this',
      labels: ['a', 'b'],
      body: 'Body without a trailing newline',
    });
  });

  it('fills an empty value in place instead of adding a second key', () => {
    const repair = repairTaskFile('---\nstatus:\ntitle: T\n---\nx\n', at);
    expect(repair.text).toBe('---\nstatus: todo\ntitle: T\nid: engine-item-cache\npriority: P3\n---\nx\n');
  });

  it('keeps CRLF line endings and a byte order mark', () => {
    const original = '\uFEFF---\r\ntitle: T\r\n---\r\n# T\r\nbody\r\n';
    const repair = repairTaskFile(original, at);
    expect(repair.text).toBe(
      '\uFEFF---\r\ntitle: T\r\nid: engine-item-cache\r\nstatus: todo\r\npriority: P3\r\n---\r\n# T\r\nbody\r\n',
    );
    expect(bodyOf(repair.text)).toBe('# T\r\nbody\r\n');
  });

  it('takes the title from the first heading outside code, else from the file name', () => {
    expect(repairTaskFile('```\n# not this\n```\n## This one ##\n', at).record.title).toBe('This one');
    expect(repairTaskFile('no heading\n', at).record.title).toBe('Item Cache');
  });

  it('is idempotent: a repaired file needs no repair, and its record is the same', () => {
    const inputs = [
      '# A\nbody\n',
      '---\ntitle: B\n---\n',
      '---\n---\n\nbody',
      '---\nstatus: Doing\npriority: high\n---\nx',
    ];
    for (const input of inputs) {
      const once = repairTaskFile(input, at);
      const twice = repairTaskFile(once.text, at);
      expect(twice.isChanged, input).toBe(false);
      expect(twice.text).toBe(once.text);
      expect(twice.record).toEqual(once.record);
    }
  });

  it('never rewrites front matter it cannot read', () => {
    for (const input of [
      '---\ntitle: [unclosed\n---\nbody\n',
      '---\n- a list\n---\nbody\n',
      '---\ntitle: x\nno closing line\n',
      '---\n{ title: flow }\n---\n',
    ]) {
      const repair = repairTaskFile(input, at);
      expect(repair.isChanged, input).toBe(false);
      expect(repair.text).toBe(input);
      expect(repair.record.problems.length, input).toBeGreaterThan(0);
    }
  });

  it('keeps an id once written, whatever the file is renamed to', () => {
    const repaired = repairTaskFile('# T\n', at).text;
    expect(repairTaskFile(repaired, { path: 'examples/board/renamed.md', board: 'examples/board' }).record.id).toBe(
      'engine-item-cache',
    );
  });
});
