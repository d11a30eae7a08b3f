// `exec --watch` must run the stage code its key hashed: after the run
// module, or a module it imports, is edited, the next cycle runs the new code
// (inline, in a worker, TypeScript or JavaScript), and what it caches is the
// new result.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { outcomes, Workspace } from './rig.js';

const TASK = (version: number): string => `import fs from 'node:fs';
export async function s(ctx) {
  fs.mkdirSync(ctx.workspace.resolve('out'), { recursive: true });
  fs.writeFileSync(ctx.workspace.resolve('out/v.txt'), 'version ${version}\\n');
}
`;
// A map stage whose items, computed in a worker, carry the code's version.
const MAP = (version: number): string => `export function* items() { yield { id: 'a' }; yield { id: 'b' }; }
export function tag(item) { return { id: item.id, v: 'version ${version}' }; }
`;
const SUM = `import fs from 'node:fs';
export async function sum(ctx) {
  const seen = [];
  for await (const record of ctx.upstream('tag')) seen.push(record.id + ':' + record.v);
  fs.mkdirSync(ctx.workspace.resolve('out'), { recursive: true });
  fs.writeFileSync(ctx.workspace.resolve('out/v.txt'), seen.sort().join(',') + '\\n');
}
`;

const IMPORTER = `import fs from 'node:fs';
import { VERSION } from './lib/version.js';
export async function s(ctx: { workspace: { resolve(p: string): string } }): Promise<void> {
  fs.mkdirSync(ctx.workspace.resolve('out'), { recursive: true });
  fs.writeFileSync(ctx.workspace.resolve('out/v.txt'), VERSION + '\\n');
}
`;

const CASES = [
  {
    name: 'a TypeScript task',
    files: { 'stages/s.ts': TASK },
    stages: '      s: { run: stages/s.ts#s, outputs: [out/v.txt] }',
    expected: 'version 2\n',
  },
  {
    name: 'a JavaScript (.mjs) task',
    files: { 'stages/s.mjs': TASK },
    stages: '      s: { run: stages/s.mjs#s, outputs: [out/v.txt] }',
    expected: 'version 2\n',
  },
  {
    name: 'a module a TypeScript task imports',
    files: { 'stages/lib/version.ts': (version: number) => `export const VERSION = 'version ${version}';\n` },
    extra: { 'stages/s.ts': IMPORTER },
    stages: '      s: { run: stages/s.ts#s, outputs: [out/v.txt] }',
    expected: 'version 2\n',
  },
  {
    name: 'a map stage in a worker',
    files: { 'stages/m.ts': MAP },
    extra: { 'stages/sum.mjs': SUM },
    stages: [
      '      items: { run: stages/m.ts#items }',
      '      tag: { run: stages/m.ts#tag, foreach: items, isolate: worker, cache: { scope: item } }',
      '      sum: { run: stages/sum.mjs#sum, needs: [tag], outputs: [out/v.txt] }',
    ].join('\n'),
    expected: 'a:version 2,b:version 2\n',
  },
];

describe('exec --watch after a stage module is edited', () => {
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  for (const c of CASES) {
    it(`runs the edited code of ${c.name} and caches its result`, async () => {
      ws = new Workspace('runner-watch-code-');
      const workspace = ws;
      workspace.write('package.json', '{ "type": "module" }\n');
      workspace.write('pipelines.yaml', `version: 1\npipelines:\n  w:\n    stages:\n${c.stages}\n`);
      for (const [file, content] of Object.entries(c.files)) workspace.write(file, content(1));
      for (const [file, content] of Object.entries(c.extra ?? {})) workspace.write(file, content);
      let edited = false;
      const watched = await workspace.run(['exec', 'w', '--watch', '--json'], {
        // The test's control: edit the module once the first run has ended, stop after the second.
        onStdout: (stdout, kill) => {
          const ends = stdout.split('\n').filter((line) => line.startsWith('{"event":"run:end"')).length;
          if (ends === 1 && !edited) {
            edited = true;
            for (const [file, content] of Object.entries(c.files)) workspace.write(file, content(2));
          }
          if (ends === 2) kill('SIGINT');
        },
      });
      expect(watched.code, watched.stderr).toBe(0);
      const runs = watched.events.filter((e): e is Extract<RunEvent, { event: 'run:end' }> => e.event === 'run:end');
      expect(runs).toHaveLength(2);
      expect(workspace.read('out/v.txt')).toBe(c.expected);

      // What the second cycle cached is the new code's result.
      workspace.write('out/v.txt', 'clobbered\n');
      const again = await workspace.run(['exec', 'w', '--json']);
      expect(again.code, again.stderr).toBe(0);
      expect(Object.values(outcomes(again.events))).not.toContain('ran');
      expect(workspace.read('out/v.txt')).toBe(c.expected);
    });
  }
});
