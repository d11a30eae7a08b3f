// The tsconfig.json a TypeScript stage module is compiled under is part of
// its code: its `paths` (and the like) change what the module runs, so
// editing it reruns the stage, with the module compiled again. A module
// reached through an alias (the tsconfig's `paths`, with comments in the
// file; a package.json's `imports`) is part of the code as a relative
// import is: editing it reruns the stage.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

describe('a TypeScript stage under a tsconfig.json', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('reruns, compiled again, when the tsconfig.json changes', async () => {
    ws = new Workspace();
    ws.write('tsconfig.json', '{ "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["s/one/*"] } } }\n');
    ws.write('s/one/x.ts', 'export const v = (): number => 1;\n');
    ws.write('s/two/x.ts', 'export const v = (): number => 2;\n');
    ws.write(
      's/t.ts',
      "import fs from 'node:fs';\nimport { v } from '@lib/x';\nexport function t(ctx: { workspace: { resolve(p: string): string } }): void { fs.writeFileSync(ctx.workspace.resolve('v.txt'), String(v())); }\n",
    );
    ws.write('pipelines.yaml', 'version: 1\npipelines:\n  p:\n    stages:\n      a: { run: s/t.ts#t }\n');
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(ws.read('v.txt')).toBe('1');

    ws.write('tsconfig.json', '{ "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["s/two/*"] } } }\n');
    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.code, run.stderr).toBe(0);
    // The first of its code's changes: the tsconfig.json, the module it no longer reaches, the one it now does.
    expect(stageEnd(run.events, 'a').reason).toMatch(
      /^code (changed: tsconfig\.json|removed: s\/one\/x\.ts|added: s\/two\/x\.ts)$/,
    );
    expect(ws.read('v.txt')).toBe('2');

    const again = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(again.events, 'a').outcome).toBe('cached');
  });

  const t = (from: string): string =>
    `import fs from 'node:fs';\nimport { v } from '${from}';\nexport function t(ctx) { fs.writeFileSync(ctx.workspace.resolve('v.txt'), String(v())); }\n`;

  it.each([
    [
      'paths of a tsconfig.json with comments',
      's/t.ts',
      '@lib/x',
      '{\n  // where @lib is\n  "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["s/lib/*"], }, },\n}\n',
      'tsconfig.json',
      's/lib/x.ts',
    ],
    [
      'imports of a package.json',
      's/t.js',
      '#lib/x',
      '{ "type": "module", "imports": { "#lib/*": "./s/lib/*.js" } }\n',
      'package.json',
      's/lib/x.js',
    ],
  ])(
    'reruns when a module reached through the %s changes',
    async (_, module, specifier, config, configFile, target) => {
      ws = new Workspace();
      ws.write(configFile, config);
      ws.write(target, 'export const v = () => 1;\n');
      ws.write(module, t(specifier));
      ws.write('pipelines.yaml', `version: 1\npipelines:\n  p:\n    stages:\n      a: { run: ${module}#t }\n`);
      expect((await ws.run(['exec', 'p'])).code).toBe(0);
      expect(ws.read('v.txt')).toBe('1');
      ws.write(target, 'export const v = () => 2;\n');
      const run = await ws.run(['exec', 'p', '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(stageEnd(run.events, 'a').reason).toBe(`code changed: ${target}`);
      expect(ws.read('v.txt')).toBe('2');
    },
  );
});
