// An input list held as its text (list-text.ts): written from the hashes or
// read from patched bytes, it is the text inputsBytes makes from the pairs,
// byte for byte, whatever the paths; a stage key from it is the key from
// the pairs, and nothing that takes the key, the list's bytes or its
// length makes the pairs; a block of files names itself by the same bytes
// from the text as from the hashes.
import { describe, expect, it } from 'vitest';
import type { StageDefinition } from '../../src/config/types.js';
import {
  buildManifest,
  fingerprintOf,
  holdListText,
  inputCount,
  inputsBytes,
  itemScopeFingerprint,
  manifestListBytes,
} from '../../src/cache/fingerprint.js';
import { fileHash, ListText } from '../../src/cache/list-text.js';
import { inputList, keyedBy, keyedByText } from '../../src/engine/key-list.js';
import { fileBlocks } from '../../src/engine/map/item-source.js';

const hex = (n: number): string => n.toString(16).padStart(64, '0');

const ODD_PATHS = [
  '"quoted".txt',
  '',
  'a.txt',
  'dir/ü é/ñ.md',
  'emoji/🎉.ts',
  'line\nbreak.txt',
  'sp ace',
  'tab\there',
];

/** The odd paths and 2,000 plain ones, sorted, with hashes; the fourth file missing (undefined). */
function list(): { files: string[]; hashes: (string | undefined)[] } {
  const files = [...ODD_PATHS, ...Array.from({ length: 2000 }, (_, i) => `data/d${i % 7}/f${i}.txt`)].sort();
  return { files, hashes: files.map((_, i) => (i === 3 ? undefined : hex(i))) };
}

const pairsOf = (files: string[], hashes: (string | undefined)[]): [string, string][] =>
  files.map((file, i) => [file, hashes[i] ?? 'missing']);

const DEFINITION = {
  kind: 'map',
  run: { module: 'work.mjs', exportName: 'count' },
  needs: [],
  inputs: [],
  outputs: [],
  params: {},
  env: [],
  foreach: { kind: 'files', patterns: ['**/*'], exclude: [] },
  cache: {},
} as unknown as StageDefinition;

describe('ListText', () => {
  it("is inputsBytes's text of the pairs, and reads each hash and a block's lines back", () => {
    const { files, hashes } = list();
    const pairs = pairsOf(files, hashes);
    const text = ListText.of(files, hashes);
    const expected = inputsBytes(pairs);
    expect(text.bytes.equals(expected.bytes)).toBe(true);
    expect(text.hash).toBe(expected.hash);
    expect(text.count).toBe(files.length);
    const read = ListText.read(Buffer.from(expected.bytes), expected.hash, files.length) as ListText;
    for (const t of [text, read]) {
      expect(files.map((_, i) => t.hashAt(i))).toEqual(pairs.map(([, hash]) => hash));
      expect(t.lines(2, 5).equals(inputsBytes(pairs.slice(2, 7)).bytes)).toBe(true);
      expect(t.lines(0, files.length).equals(expected.bytes)).toBe(true);
    }
  });

  it('reads nothing from a text with a line too many or too few, a line with no space, or an unended last line', () => {
    const { files, hashes } = list();
    const { bytes, hash } = ListText.of(files, hashes);
    expect(ListText.read(bytes, hash, files.length - 1)).toBeUndefined();
    expect(ListText.read(bytes, hash, files.length + 1)).toBeUndefined();
    expect(ListText.read(Buffer.from('abc def\nnospace\n'), 'x', 2)).toBeUndefined();
    expect(ListText.read(Buffer.from('abc def\nghi jkl'), 'x', 2)).toBeUndefined();
    expect(ListText.read(Buffer.from('abc def\nghi jkl\n'), 'x', 2)?.hashAt(1)).toBe('ghi');
  });
});

describe('a key from a list held as its text', () => {
  it('is the key from its pairs, which nothing but reading them makes', () => {
    const { files, hashes } = list();
    const parts = { definition: DEFINITION, code: [], needs: {}, sorted: files };
    const fromPairs = keyedBy(parts, inputList(files, files, hashes, undefined));
    const manifest = buildManifest({ definition: DEFINITION, code: [], inputs: [], needs: {} });
    let made = 0;
    const text = ListText.of(files, hashes);
    holdListText(manifest, text, () => {
      made++;
      return pairsOf(files, hashes);
    });
    expect(fingerprintOf(manifest)).toBe(fromPairs.fingerprint);
    expect(manifestListBytes(manifest).hash).toBe(inputsBytes(fromPairs.manifest.inputs).hash);
    expect(inputCount(manifest)).toBe(files.length);
    expect(itemScopeFingerprint(manifest, undefined, files)).toBe(
      itemScopeFingerprint(fromPairs.manifest, undefined, files),
    );
    // A copy with other inputs, as a stored entry takes it, does not make them either.
    expect({ ...manifest, inputs: [] }.inputs).toEqual([]);
    expect(made).toBe(0);
    expect(manifest.inputs).toEqual(fromPairs.manifest.inputs);
    expect(manifest.inputs).toBe(manifest.inputs);
    expect(made).toBe(1);

    const held = ListText.of(files, hashes);
    const fromText = keyedByText(parts, files, held);
    expect(fromText.fingerprint).toBe(fromPairs.fingerprint);
    expect(files.map((_, i) => fileHash(fromText.foreachHashes, i))).toEqual(
      files.map((_, i) => fileHash(fromPairs.foreachHashes, i)),
    );
    expect(fromText.manifest.inputs).toEqual(fromPairs.manifest.inputs);
    // What inputsBytes answers for the pairs read back is the text's bytes, not encoded again.
    expect(inputsBytes(fromText.manifest.inputs).bytes).toBe(held.bytes);
  });

  it("takes a map's hashes from its pairs when the list has files the map does not map", () => {
    const { files, hashes } = list();
    const mapped = files.filter((_, i) => i % 3 === 0);
    const parts = { definition: DEFINITION, code: [], needs: {}, sorted: files };
    const fromText = keyedByText(parts, mapped, ListText.of(files, hashes));
    expect(fromText.foreachHashes).toEqual(mapped.map((file) => hashes[files.indexOf(file)] ?? 'missing'));
    expect(itemScopeFingerprint(fromText.manifest, undefined, mapped)).toBe(
      itemScopeFingerprint(keyedBy(parts, inputList(files, mapped, hashes, undefined)).manifest, undefined, mapped),
    );
  });
});

describe('a block of files', () => {
  it('names itself and its items the same from the list text as from the hashes', async () => {
    const { files, hashes } = list();
    const fromHashes = fileBlocks(files, hashes, 300);
    const fromText = fileBlocks(files, ListText.of(files, hashes), 300);
    const texts = fromText.blocks[Symbol.asyncIterator]();
    let blocks = 0;
    for await (const block of fromHashes.blocks) {
      const other = (await texts.next()).value;
      const identity = block.blockIdentity();
      const otherIdentity = other.blockIdentity();
      expect(typeof identity).toBe('string');
      expect(Buffer.isBuffer(otherIdentity)).toBe(true);
      expect(Buffer.from(identity as string).equals(otherIdentity as Buffer)).toBe(true);
      for (let i = 0; i < block.count; i++) {
        expect(other.itemIdentity(i)).toBe(block.itemIdentity(i));
        expect(other.item(i)).toEqual(block.item(i));
      }
      blocks++;
    }
    expect(blocks).toBeGreaterThanOrEqual(Math.ceil(files.length / 300));
    expect((await texts.next()).done).toBe(true);
  });
});
