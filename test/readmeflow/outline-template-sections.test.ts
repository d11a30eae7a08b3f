// The template section of a README, from scan records of the fixture
// workspace: title and tagline, install (private packages say how the
// workspace links them), usage (bins, ESM imports or CJS require), scripts
// (table cells escaped), API (one line per signature, overloads included),
// and dependencies with the mermaid graph. Same record, same bytes.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOutline } from '../../runners/readmeflow/outline-template.js';
import type { ScanRecord } from '../../runners/readmeflow/types.js';
import { copyFixture, runInProcess, tempDir } from './helpers.js';

let dir = '';
let scans: Map<string, ScanRecord>;
beforeAll(async () => {
  dir = tempDir();
  copyFixture('workspace', path.join(dir, 'ws'));
  scans = new Map((await runInProcess(dir, 'ws')).scans.map((s) => [s.name, s]));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const scanOf = (name: string): ScanRecord => {
  const found = scans.get(name);
  if (!found) throw new Error(`no scan record for ${name}`);
  return found;
};
const headings = (markdown: string): string[] => markdown.split('\n').filter((line) => /^#{1,3} /.test(line));

describe('the template section', () => {
  it('has the sections in order, for a package with a bin and a workspace dependency', () => {
    const beta = renderOutline(scanOf('@fx/beta'));
    expect(headings(beta)).toEqual([
      '# @fx/beta',
      '## Install',
      '## Usage',
      '## Scripts',
      '## API',
      '### `@fx/beta`',
      '## Dependencies',
    ]);
    expect(beta).toContain('> Shouts greetings.\n\nversion 0.2.0 · ES module');
    expect(beta).toContain(
      "Command: `beta`.\n\n```bash\nnpx beta\n```\n\n```ts\nimport { shout } from '@fx/beta';\n```",
    );
    expect(beta).toContain('| `npm run build` | `tsc` |');
    // shout returns greet()'s type, which lives in @fx/alpha: outside the program, so `any`.
    expect(beta).toContain('```ts\nfunction shout(name: string, times?: number): any\n```');
    expect(beta).toContain(
      'Depends on [@fx/alpha](../alpha) `^1.0.0` in this workspace.\n\nUsed by [@fx/gamma](../gamma).',
    );
    expect(beta).toContain(
      '```mermaid\ngraph LR\n  n0["@fx/alpha"]\n  n1["@fx/beta"]\n  n2["@fx/gamma"]\n  n1 --> n0\n  n2 -.-> n1\n  style n1 stroke-width:3px\n```',
    );
    expect(beta).toContain('| `left-pad` | `^1.3.0` | runtime |');
    expect(renderOutline(scanOf('@fx/beta'))).toBe(beta);
  });

  it('tells how a private CommonJS package is used', () => {
    const gamma = renderOutline(scanOf('@fx/gamma'));
    expect(gamma).toContain(
      'This package is private: it is not published to a registry. Other packages of this workspace depend on it with `"@fx/gamma": "*"`',
    );
    expect(gamma).toContain("const { VERSION, add } = require('@fx/gamma');");
    expect(gamma).not.toContain('## Scripts');
  });

  it('escapes table cells, keeps overloads apart and uses the package manager', () => {
    const alpha = scanOf('@fx/alpha');
    const record: ScanRecord = {
      ...alpha,
      manager: 'pnpm',
      facts: {
        ...alpha.facts,
        isPrivate: true,
        scripts: [{ name: 'lint', command: 'eslint . | tee `lint.log`' }],
        entries: [
          {
            subpath: '.',
            target: './src/index.ts',
            source: 'src/index.ts',
            symbols: [
              {
                name: 'read',
                kind: 'function',
                signature: 'function read(o: { a: string; b: number }): void\nfunction read(s: string): void',
              },
            ],
          },
        ],
      },
    };
    const markdown = renderOutline(record);
    expect(markdown).toContain('| `pnpm run lint` | `` eslint . \\| tee `lint.log` `` |');
    expect(markdown).toContain(
      '```ts\nfunction read(o: { a: string; b: number }): void\nfunction read(s: string): void\n```',
    );
    expect(markdown).toContain('`"@fx/alpha": "workspace:*"`');
    expect(markdown).toContain('`pnpm install` at the workspace root links it.');
  });
});
