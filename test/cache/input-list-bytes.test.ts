// The bytes a stage key hashes and a long list is stored as: exactly
// inputsText's UTF-8, for plain paths and for those written as JSON (a
// newline in them, a leading quote), non-ASCII ones and a missing file.
// And the same bytes made from an older list's by replacing a few lines
// (patchedInputsBytes), and the hashes read back from them (inputsOfBytes).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inputsBytes, inputsOfBytes, inputsText, patchedInputsBytes } from '../../src/cache/fingerprint.js';

const hex = (n: number): string => n.toString(16).padStart(64, '0');

const ODD_PATHS = [
  'a.txt',
  'dir/ü é/ñ.md',
  'emoji/🎉.ts',
  'line\nbreak.txt',
  '"quoted".txt',
  'tab\there',
  'sp ace',
  '',
];

/** The odd paths, then 3,000 plain ones, each with a hash (the third missing). */
function oddList(): [string, string][] {
  const inputs: [string, string][] = ODD_PATHS.map((p, i) => [p, i === 2 ? 'missing' : hex(i)]);
  for (let i = 0; i < 3000; i++) inputs.push([`data/d${i % 7}/f${i}.txt`, hex(1000 + i)]);
  return inputs;
}

describe('inputsBytes', () => {
  it("is inputsText's UTF-8 and its sha256, whatever the paths", () => {
    const inputs = oddList();
    const { bytes, hash } = inputsBytes(inputs);
    const expected = Buffer.from(inputsText(inputs));
    expect(bytes.equals(expected)).toBe(true);
    expect(hash).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(inputsBytes([]).bytes.length).toBe(0);
  });
});

describe('patchedInputsBytes and inputsOfBytes', () => {
  it('make the bytes inputsBytes gives for a list that differs in a few lines, and read its hashes back', () => {
    const before = oddList();
    const old = Buffer.from(inputsText(before));
    // The first and last lines, two neighbours, odd paths, a file gone missing and one back from missing.
    const rows = [0, 1, 2, 3, 4, 7, 500, 501, before.length - 1];
    const after = before.map(([file, hash], i): [string, string] =>
      !rows.includes(i) ? [file, hash] : [file, i === 500 ? 'missing' : i === 2 ? hex(77) : hex(5000 + i)],
    );
    const lines: [string, string][] = [];
    for (const i of rows) lines[i] = after[i] as [string, string];
    const patched = patchedInputsBytes(Buffer.from(old), rows, lines);
    expect(patched?.equals(Buffer.from(inputsText(after)))).toBe(true);
    // Lines as long as the ones they replace are written over the old bytes.
    const edited = before.map(([file, hash], i): [string, string] => [file, i === 9 || i === 2000 ? hex(9999) : hash]);
    const inPlace = Buffer.from(old);
    expect(patchedInputsBytes(inPlace, [9, 2000], edited)).toBe(inPlace);
    expect(inPlace.equals(Buffer.from(inputsText(edited)))).toBe(true);

    const files = after.map(([file]) => file);
    const hash = createHash('sha256')
      .update(patched as Buffer)
      .digest('hex');
    const read = inputsOfBytes(files, patched as Buffer, hash);
    expect(read).toEqual(after);
    // What inputsBytes answers for the list read back is those bytes, not encoded again.
    expect(inputsBytes(read as [string, string][])).toEqual({ bytes: patched, hash });
  });

  it('give nothing for a text shorter or longer than the list', () => {
    const list = oddList();
    const text = Buffer.from(inputsText(list));
    expect(patchedInputsBytes(text.subarray(0, 100), [list.length - 1], list)).toBeUndefined();
    const files = list.map(([file]) => file);
    expect(inputsOfBytes(files.slice(1), text, 'x')).toBeUndefined();
    expect(inputsOfBytes([...files, 'one more'], text, 'x')).toBeUndefined();
  });
});
