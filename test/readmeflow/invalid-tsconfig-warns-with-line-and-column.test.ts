// A package's tsconfig.json that is not valid JSONC was ignored without a
// word, and its outDir -> rootDir mapping with it. readmeflow reads tsconfig
// for that mapping alone and finds sources without it (the usual layout), so
// the run goes on, but the stage that read the file logs
// `<file>:<line>:<column>: <what is wrong>` and what it goes on without.
// Comments and trailing commas, which tsconfig allows, are no mistake and
// move no position.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonRecord } from '../../src/api.js';
import { scanPackage } from '../../runners/readmeflow/package-facts.js';
import { readJsonc } from '../../runners/readmeflow/util.js';
import { verify } from '../../runners/readmeflow/verify.js';
import type { Workspace } from '../e2e/rig.js';
import { fakeContext, readmeflowWorkspace, tempDir } from './helpers.js';

let ws: Workspace | undefined;
let dir: string | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const GOING_ON = 'going on without its outDir and rootDir, so built entry points are looked for under src/';

// The comma after "include" is missing; the block comment above spans lines.
const INVALID = [
  '{',
  '  /* Sources in lib/,',
  '     built into out/. */',
  '  "compilerOptions": { "outDir": "out", "rootDir": "lib", },',
  '  "include": ["lib"] // the sources',
  '  "exclude": ["out"]',
  '}',
  '',
].join('\n');

/** A package whose entry point is in its build output (out/), its source in lib/. */
function outPackage(root: string, tsconfig: string): void {
  fs.mkdirSync(path.join(root, 'pkg', 'lib'), { recursive: true });
  fs.writeFileSync(path.join(root, 'pkg', 'lib', 'index.ts'), 'export const x = 1;\n');
  fs.writeFileSync(path.join(root, 'pkg', 'lib', 'cli.ts'), 'console.log(1);\n');
  const manifest = { name: 'pkg', version: '1.0.0', exports: { '.': './out/index.js' }, bin: { pkg: './out/cli.js' } };
  fs.writeFileSync(path.join(root, 'pkg', 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(root, 'pkg', 'tsconfig.json'), tsconfig);
}

describe('an invalid tsconfig.json', () => {
  it('is named with line and column in the run, which goes on', async () => {
    ws = readmeflowWorkspace('workspace');
    const tsconfig = 'examples/workspace/packages/beta/tsconfig.json';
    ws.write(tsconfig, '{\n  "compilerOptions": {\n    "outDir": "dist"\n    "rootDir": "src"\n  }\n}\n');

    const run = await ws.run(['exec', 'readmeflow']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `readmeflow/scan | ${tsconfig}:4:5: expected ',' or '}' after a property value, found a string; ${GOING_ON}\n`,
    );
    // Found through the usual dist -> src layout, beta's API is still in its README.
    expect(ws.read('examples/workspace/packages/beta/README.md')).toContain('shout');
  }, 60_000);

  it('is logged by scan, where the mistake is in the file, comments and trailing commas kept in place', () => {
    dir = tempDir();
    outPackage(dir, INVALID);
    const ctx = fakeContext({ root: dir });

    const facts = scanPackage({ dir: 'pkg', name: 'pkg' } as never, ctx);
    expect(ctx.logs).toEqual([
      `pkg/tsconfig.json:6:3: expected ',' or '}' after a property value, found a string; ${GOING_ON}`,
    ]);
    expect(facts.entries.map((e) => e.problem)).toEqual(['no file for ./out/index.js or its source']);
  });

  it('is logged by verify when it looks for a bin through it', async () => {
    dir = tempDir();
    outPackage(dir, INVALID);
    fs.writeFileSync(path.join(dir, 'pkg', 'README.md'), '# pkg\n\n```sh\nnpx pkg\n```\n');
    const ctx = fakeContext({
      root: dir,
      params: { workspace: 'pkg', report: 'verify.md' },
      upstream: { write: [{ readme: 'pkg/README.md', dir: 'pkg' }] as JsonRecord[] },
    });

    await expect(verify(ctx)).rejects.toThrow('bin pkg of pkg points at ./out/cli.js, which does not exist');
    expect(ctx.logs).toContain(
      `pkg/tsconfig.json:6:3: expected ',' or '}' after a property value, found a string; ${GOING_ON}`,
    );
  });

  it('once fixed, is read with its comments and trailing commas, and nothing is logged', async () => {
    dir = tempDir();
    outPackage(dir, INVALID.replace('["lib"] //', '["lib"], //'));
    fs.writeFileSync(path.join(dir, 'pkg', 'README.md'), '# pkg\n\n```sh\nnpx pkg\n```\n');
    const ctx = fakeContext({
      root: dir,
      params: { workspace: 'pkg', report: 'verify.md' },
      upstream: { write: [{ readme: 'pkg/README.md', dir: 'pkg' }] as JsonRecord[] },
    });

    const facts = scanPackage({ dir: 'pkg', name: 'pkg' } as never, ctx);
    expect(facts.entries.map((e) => e.source)).toEqual(['lib/index.ts']);
    expect((await verify(ctx)).map((r) => r.problems)).toEqual([[]]);
    expect(ctx.logs).toEqual(['1 README checked, 0 problems; report in verify.md']);
  });

  it('keeps a comma and bracket inside a string: only a trailing comma outside strings is dropped', () => {
    dir = tempDir();
    const file = path.join(dir, 'tsconfig.json');
    fs.writeFileSync(
      file,
      '{\n  "compilerOptions": { "outDir": "out, }", "rootDir": "a,]" /* , */, },\n  "include": ["lib", /* a */ ],\n}\n',
    );
    const mistakes: string[] = [];
    expect(readJsonc(file, 'tsconfig.json', (m) => mistakes.push(m))).toEqual({
      compilerOptions: { outDir: 'out, }', rootDir: 'a,]' },
      include: ['lib'],
    });
    expect(mistakes).toEqual([]);
  });
});
