// A stage that imports a package of the workspace itself, linked into
// node_modules the way npm, yarn and pnpm workspaces link their packages:
// editing that package's code reruns the stage. Its package.json, the only
// file of an installed package in the key, does not change when its code
// does, so the stage used to stay cached with the old code's result.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      greet:
        run: work.mjs#greet
        outputs: [out.txt]
`;

const WORK = `import fs from 'node:fs';
import { greeting } from '@acme/lib';
export function greet(ctx) {
  fs.writeFileSync(ctx.workspace.resolve('out.txt'), greeting());
}
`;

describe('a workspace package a stage imports', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('reruns the stage when its code is edited, its version unchanged', async () => {
    ws = new Workspace('runner-linked-package-');
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('work.mjs', WORK);
    ws.write(
      'packages/lib/package.json',
      JSON.stringify({ name: '@acme/lib', version: '1.0.0', type: 'module', main: 'src/index.js' }),
    );
    ws.write('packages/lib/src/index.js', "export { greeting } from './words.js';\n");
    ws.write('packages/lib/src/words.js', "export const greeting = () => 'hello';\n");
    fs.mkdirSync(ws.path('node_modules/@acme'), { recursive: true });
    fs.symlinkSync('../../packages/lib', ws.path('node_modules/@acme/lib'));

    const cold = await ws.run(['exec', 'p', '--json']);
    expect(cold.code, cold.stderr).toBe(0);
    expect(ws.read('out.txt')).toBe('hello');
    const noop = await ws.run(['exec', 'p', '--json']);
    expect(outcomes(noop.events)).toEqual({ greet: 'cached' });

    ws.write('packages/lib/src/words.js', "export const greeting = () => 'goodbye';\n");
    const edited = await ws.run(['exec', 'p', '--json']);
    expect(edited.code, edited.stderr).toBe(0);
    expect(outcomes(edited.events)).toEqual({ greet: 'ran' });
    expect(stageEnd(edited.events, 'greet').reason).toContain('packages/lib/src/words.js');
    expect(ws.read('out.txt')).toBe('goodbye');
  });
});
