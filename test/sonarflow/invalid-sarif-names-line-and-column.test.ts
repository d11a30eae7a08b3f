// A SARIF file that is not valid JSON fails sonarflow with
// `<file>:<line>:<column>: <what is wrong>`, the file as params.sarif names
// it, so an editor or terminal jumps to the spot: not with V8's character
// position (or, for some mistakes, no position at all).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSarif } from '../../runners/sonarflow/sarif.js';
import { REPO } from '../e2e/rig.js';
import type { Workspace } from '../e2e/rig.js';
import { sonarflowWorkspace } from './helpers.js';

let ws: Workspace | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
});

describe('an invalid SARIF file', () => {
  it('fails the run naming the file, line and column, and leaves the tasks alone', async () => {
    ws = sonarflowWorkspace();
    const sarif = fs.readFileSync(path.join(REPO, 'examples/eslint.sarif'), 'utf8');
    ws.write('examples/eslint.sarif', sarif);
    const first = await ws.run(['exec', 'sonarflow']);
    expect(first.code, first.stderr).toBe(0);
    const index = ws.read('tasks/sonarflow/INDEX.md');

    // The comma after the tool's name (line 8) is missing.
    expect(sarif.split('\n')[7]).toBe('          "name": "ESLint",');
    ws.write('examples/eslint.sarif', sarif.replace('"name": "ESLint",', '"name": "ESLint"'));
    const run = await ws.run(['exec', 'sonarflow']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /sonarflow\/plan-pages: FAILED after \d+ms: examples\/eslint\.sarif:9:11: expected ',' or '}' after a property value, found a string\n/,
    );
    expect(ws.read('tasks/sonarflow/INDEX.md')).toBe(index);
  }, 120_000);

  it.each([
    ['a word that is no value', 'nope', "1:1: expected a value, found 'nope'"],
    [
      'a trailing comma',
      '{\n  "version": "2.1.0",\n  "runs": [],\n}\n',
      "4:1: expected a double-quoted property name, found '}' (JSON allows no comma before it)",
    ],
    [
      'a file cut short',
      '{\n  "runs": [\n    {',
      '3:6: expected a double-quoted property name, found the end of the file',
    ],
  ])('%s', (_what, text, expected) => {
    expect(() => parseSarif(text, 'reports/x.sarif')).toThrow(new Error(`reports/x.sarif:${expected}`));
  });

  it('counts columns after a byte order mark as an editor shows them', () => {
    expect(() => parseSarif('\uFEFF{ "runs" [] }', 'reports/x.sarif')).toThrow(
      new Error(`reports/x.sarif:1:10: expected ':' after a property name, found '['`),
    );
  });
});
