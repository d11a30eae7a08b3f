// A tsconfig.json saved with a byte order mark (as Visual Studio writes it,
// and tsc reads) still gives the package's outDir -> rootDir mapping, so
// an entry point in the build output is traced to its source.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compilerDirs, sourceFor } from '../../runners/readmeflow/entries.js';
import { tempDir } from './helpers.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('an entry point behind a tsconfig.json with a byte order mark', () => {
  it('is traced through outDir and rootDir as without one', () => {
    const root = tempDir();
    dir = root;
    fs.mkdirSync(path.join(root, 'lib'));
    fs.writeFileSync(path.join(root, 'lib', 'index.ts'), 'export const x = 1;\n');
    const config = '{\n  // built into out/\n  "compilerOptions": { "outDir": "out", "rootDir": "lib" }\n}\n';
    const logs: string[] = [];
    const dirs = (): ReturnType<typeof compilerDirs> =>
      compilerDirs(root, { dir: '.', log: (line) => logs.push(line) });
    fs.writeFileSync(path.join(root, 'tsconfig.json'), config);
    expect(sourceFor(root, './out/index.js', dirs())).toBe('lib/index.ts');
    fs.writeFileSync(path.join(root, 'tsconfig.json'), `\uFEFF${config}`);
    expect(sourceFor(root, './out/index.js', dirs())).toBe('lib/index.ts');
    expect(logs).toEqual([]);
  });
});
