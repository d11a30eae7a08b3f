// A package.json that is not valid JSON fails readmeflow with
// `<file>:<line>:<column>: <what is wrong>`, the file as the workspace names
// it, so an editor or terminal jumps to the spot: not with V8's character
// position (or, for some mistakes, no position at all).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonMistake } from '../../runners/lib/json-syntax.js';
import { mulberry32 } from '../../runners/lib/random.js';
import { readJson } from '../../runners/readmeflow/util.js';
import type { Workspace } from '../e2e/rig.js';
import { FIXTURES, readmeflowWorkspace, tempDir } from './helpers.js';

const FIXTURE = path.join(FIXTURES, 'workspace');

let ws: Workspace | undefined;
let dir: string | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('an invalid package.json', () => {
  it('fails the run naming the file, line and column, and leaves the READMEs alone', async () => {
    ws = readmeflowWorkspace('workspace');
    const readme = 'examples/workspace/packages/alpha/README.md';
    const before = ws.read(readme);
    const manifest = 'examples/workspace/packages/alpha/package.json';
    // The comma after the name is missing.
    ws.write(manifest, ws.read(manifest).replace('"@fx/alpha",', '"@fx/alpha"'));

    const run = await ws.run(['exec', 'readmeflow']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /readmeflow\/packages: FAILED after \d+ms: examples\/workspace\/packages\/alpha\/package\.json:3:3: expected ',' or '}' after a property value, found a string\n/,
    );
    expect(ws.read(readme)).toBe(before);

    // The workspace's own package.json, with a trailing comma.
    const root = 'examples/workspace/package.json';
    ws.write(manifest, ws.read(manifest).replace('"@fx/alpha"', '"@fx/alpha",'));
    ws.write(root, ws.read(root).replace('"private": true,', '"private": true,,'));
    const again = await ws.run(['exec', 'readmeflow']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `examples/workspace/package.json:3:19: expected a double-quoted property name, found ','`,
    );
  }, 60_000);

  it.each([
    [
      'a missing comma',
      '{\n  "a": 1\n  "b": 2\n}\n',
      "3:3: expected ',' or '}' after a property value, found a string",
    ],
    [
      'a trailing comma',
      '{\n  "a": 1,\n}\n',
      "3:1: expected a double-quoted property name, found '}' (JSON allows no comma before it)",
    ],
    [
      'a trailing comma in an array',
      '{ "a": [1, 2,] }',
      "1:14: expected a value, found ']' (JSON allows no comma before it)",
    ],
    ['a single-quoted string', "{\n  'a': 1\n}", '2:3: expected a double-quoted property name, found "\'"'],
    ['a misspelt word', '{\n  "a": tru\n}', "2:8: expected a value, found 'tru'"],
    ['a missing colon', '{ "a" 1 }', "1:7: expected ':' after a property name, found '1'"],
    [
      'a line break in a string',
      '{ "a": "x\ny" }',
      '1:10: a string cannot hold a raw control character (U+000A); escape it',
    ],
    ['a bad escape', '{ "a": "\\q" }', "1:9: '\\q' is not an escape JSON knows"],
    ['a number with a leading zero', '{ "a": 01 }', "1:8: '01' is not a JSON number"],
    ['text after the value', '{}\n}', "2:1: unexpected '}' after the JSON value"],
    ['a file cut short', '{\n  "a": [1,', '2:11: expected a value, found the end of the file'],
    ['an empty file', '', '1:1: expected a value, found the end of the file'],
    [
      'a comment',
      '{\n  // the name\n  "a": 1\n}',
      "2:3: expected a double-quoted property name, found '/' (JSON has no comments)",
    ],
  ])('%s', (_what, text, expected) => {
    dir = tempDir();
    const file = path.join(dir, 'package.json');
    fs.writeFileSync(file, text);
    expect(() => readJson(file)).toThrow(new Error(`${file}:${expected}`));
  });

  it('counts columns after a byte order mark as an editor shows them', () => {
    dir = tempDir();
    const file = path.join(dir, 'package.json');
    fs.writeFileSync(file, '\uFEFF{ "a" 1 }');
    expect(() => readJson(file)).toThrow(new Error(`${file}:1:7: expected ':' after a property name, found '1'`));
  });

  it('finds a mistake in exactly the texts JSON.parse refuses', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'packages', 'alpha', 'package.json'), 'utf8'));
    const valid = JSON.stringify(
      { ...manifest, s: 'a\u00e9\\"\n\t\ud83d\ude00', n: [-0.5e10, 0, 1.25, 1e-3], z: null },
      null,
      2,
    );
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      ' ',
      '\n',
      '0',
      '1',
      '-',
      '.',
      'e',
      't',
      '/',
      '\u0001',
      "'",
    ];
    const random = mulberry32(42);
    const pick = (n: number): number => Math.floor(random() * n);
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = valid;
      for (let edits = 1 + pick(3); edits > 0; edits--) {
        const at = pick(text.length);
        const piece = pieces[pick(pieces.length)] as string;
        const how = pick(3);
        text = text.slice(0, at) + (how === 0 ? '' : piece) + text.slice(how === 2 ? at : at + 1);
      }
      if (pick(10) === 0) text = text.slice(0, pick(text.length));
      let isJson = true;
      try {
        JSON.parse(text);
      } catch {
        isJson = false;
        refused++;
      }
      expect(jsonMistake(text) === undefined, text).toBe(isJson);
    }
    // Both kinds were tried.
    expect(refused).toBeGreaterThan(5_000);
    expect(refused).toBeLessThan(19_000);
  });
});
