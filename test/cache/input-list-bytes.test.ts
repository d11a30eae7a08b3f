// The bytes a stage key hashes and a long list is stored as: exactly
// inputsText's UTF-8, for plain paths and for those written as JSON (a
// newline in them, a leading quote), non-ASCII ones and a missing file.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inputsBytes, inputsText } from '../../src/cache/fingerprint.js';

const hex = (n: number): string => n.toString(16).padStart(64, '0');

describe('inputsBytes', () => {
  it("is inputsText's UTF-8 and its sha256, whatever the paths", () => {
    const paths = [
      'a.txt',
      'dir/ü é/ñ.md',
      'emoji/🎉.ts',
      'line\nbreak.txt',
      '"quoted".txt',
      'tab\there',
      'sp ace',
      '',
    ];
    const inputs: [string, string][] = paths.map((p, i) => [p, i === 2 ? 'missing' : hex(i)]);
    for (let i = 0; i < 3000; i++) inputs.push([`data/d${i % 7}/f${i}.txt`, hex(1000 + i)]);
    const { bytes, hash } = inputsBytes(inputs);
    const expected = Buffer.from(inputsText(inputs));
    expect(bytes.equals(expected)).toBe(true);
    expect(hash).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(inputsBytes([]).bytes.length).toBe(0);
  });
});
