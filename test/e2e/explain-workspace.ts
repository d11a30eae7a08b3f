// The workspace the explain tests share: `up` (a shell stage over data/*.txt)
// feeds `down` (a module stage with a param, an env value, a secret env value
// and a local import), run once so both are cached.
import { expect } from 'vitest';
import { Workspace } from './rig.js';

export const PIPELINE = `version: 1
pipelines:
  p:
    params: { level: 1 }
    stages:
      up:
        shell: "cat data/*.txt > up.out"
        inputs: ["data/*.txt"]
        outputs: [up.out]
      down:
        needs: [up]
        run: stage.ts#down
        params: [level]
        env:
          MODE: "\${RUNNER_TEST_MODE:-fast}"
          API_TOKEN: "\${RUNNER_TEST_TOKEN:-first-token-value}"
`;

export async function cachedWorkspace(): Promise<Workspace> {
  const ws = new Workspace('runner-explain-');
  ws.write('pipelines.yaml', PIPELINE);
  ws.write('data/a.txt', 'a\n');
  ws.write('data/b.txt', 'b\n');
  ws.write('helper.ts', 'export const twice = (n: number): number => n * 2;\n');
  ws.write(
    'stage.ts',
    "import { twice } from './helper.ts';\nexport function down(ctx: { params: { level: number } }) {\n  return [{ level: twice(ctx.params.level) }];\n}\n",
  );
  const first = await ws.run(['exec', 'p']);
  expect(first.stderr).toContain('success');
  expect(first.code).toBe(0);
  return ws;
}
