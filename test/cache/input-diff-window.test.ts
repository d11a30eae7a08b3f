// differingLines: diffing only the lines between two input texts' common
// first and last lines finds exactly what diffing the whole lists finds,
// for edits anywhere (first line, last line, several), additions, removals,
// and paths with spaces, hex digits, newlines and non-ASCII characters.
import { describe, expect, it } from 'vitest';
import { differingLines, inputsText, parseInputsText } from '../../src/cache/fingerprint.js';
import type { Manifest } from '../../src/cache/fingerprint.js';
import { diffManifests } from '../../src/cache/why.js';

const hex = (n: number): string => n.toString(16).padStart(64, '0');

/** A small deterministic generator (tests repeat exactly). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

function manifest(inputs: [string, string][]): Manifest {
  return {
    format: 3,
    definition: {},
    code: [],
    inputs,
    needs: {},
    params: {},
    env: {},
    version: null,
    platform: { os: 'linux', arch: 'x64', node: 20 },
  };
}

function windowed(before: [string, string][], after: [string, string][]): unknown {
  const [a, b] = differingLines(Buffer.from(inputsText(before)), Buffer.from(inputsText(after)));
  const [previous, current] = [parseInputsText(a.toString()), parseInputsText(b.toString())];
  expect(previous && current).toBeTruthy();
  return diffManifests(manifest(previous ?? []), manifest(current ?? []));
}

const PATHS = ['a', 'a b', `x${hex(7)} y`, 'dé/jà', 'new\nline', 'z z z', 'q'];

describe('differingLines', () => {
  it('finds what the whole lists diff finds, for random edits of random lists', () => {
    const next = random(7);
    for (let round = 0; round < 300; round++) {
      const names = new Set<string>();
      const size = 1 + Math.floor(next() * 40);
      while (names.size < size) names.add(`${PATHS[Math.floor(next() * PATHS.length)]}/${Math.floor(next() * 60)}`);
      const before = [...names].sort().map((name, i): [string, string] => [name, hex(i)]);
      const after = before
        .filter(() => next() > 0.1)
        .map(([name, hash]): [string, string] => [name, next() < 0.1 ? hex(999) : hash]);
      for (let k = Math.floor(next() * 3); k > 0; k--)
        after.push([`${PATHS[Math.floor(next() * PATHS.length)]}/added${k}`, hex(5)]);
      const unique = [...new Map(after).entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      expect(windowed(before, unique), `round ${round}`).toEqual(diffManifests(manifest(before), manifest(unique)));
    }
  });

  it('keeps only the lines around one change in a long list', () => {
    const before = Array.from({ length: 10_000 }, (_, i): [string, string] => [
      `data/f${String(i).padStart(6, '0')}.txt`,
      hex(i),
    ]);
    const after = before.map(([name, hash], i): [string, string] => [name, i === 4321 ? hex(1) : hash]);
    const [a, b] = differingLines(Buffer.from(inputsText(before)), Buffer.from(inputsText(after)));
    expect(a.toString()).toBe(`${hex(4321)} data/f004321.txt\n`);
    expect(b.toString()).toBe(`${hex(1)} data/f004321.txt\n`);
    expect(differingLines(Buffer.from(inputsText(before)), Buffer.from(inputsText(before))).map(String)).toEqual([
      '',
      '',
    ]);
  });

  it('starts the common end at a line both sides begin whole', () => {
    const before: [string, string][] = [
      ['p', hex(1)],
      [`p${hex(2)} q`, hex(3)],
    ];
    const after: [string, string][] = [
      ['p', hex(1)],
      ['q', hex(2)],
    ];
    expect(windowed(before, after)).toEqual(diffManifests(manifest(before), manifest(after)));
  });
});
