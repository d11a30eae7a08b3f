// A stage's secret values are shown as *** in the lines it logs (what its
// command prints, ctx.log, a failed item's message) and in why it failed,
// on the terminal, in --json and in the run record kept on disk; the lines
// of a stage without a secret, and values shorter than four characters, are
// left as they are.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const PIPELINES = `version: 1
pipelines:
  p:
    stages:
      say:
        shell: 'echo "token=$API_TOKEN pin=$PIN"'
        env:
          API_TOKEN: "\${API_TOKEN}"
          PIN: { value: "\${PIN}", secret: true }
      items:
        run: m.mjs#item
        foreach: { files: ["in/*.txt"] }
        passEnv: [API_TOKEN]
      plain:
        shell: 'echo "not secret here: $SHOWN"'
        env: { SHOWN: "\${API_TOKEN}" }
`;

const MODULE = `export function item(file, ctx) {
  ctx.log('using ' + ctx.env.API_TOKEN);
  if (file.path === 'in/b.txt') throw new Error('refused with ' + ctx.env.API_TOKEN);
  return { path: file.path };
}
`;

const TOKEN = 'tok-3f9a81c2';

describe("a stage's secret values in its log lines", () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('are *** on the terminal, in --json and in the run record', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    ws.write('m.mjs', MODULE);
    ws.write('in/a.txt', 'a\n');
    ws.write('in/b.txt', 'b\n');
    const env = { API_TOKEN: TOKEN, PIN: '123' };
    const run = await ws.run(['exec', 'p', '--keep-going'], { env });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('p/say | token=*** pin=123\n');
    expect(run.stderr).toContain('p/items | using ***\n');
    expect(run.stderr).toMatch(/item path=in\/b\.txt failed: refused with \*\*\*/);
    expect(run.stderr).toMatch(/p\/items: FAILED .*first: path=in\/b\.txt: refused with \*\*\* /);
    // SHOWN is not secret by its name, so the stage that has only it shows it.
    expect(run.stdout + run.stderr).toContain(`p/plain | not secret here: ${TOKEN}\n`);

    const json = await ws.run(['exec', 'p', '--keep-going', '--force', '--json'], { env });
    const lines = json.stdout.split('\n').filter((line) => line.includes('"stage:log"'));
    expect(lines.some((line) => line.includes('token=*** pin=123'))).toBe(true);
    expect(lines.filter((line) => line.includes(TOKEN)).every((line) => line.includes('"stage":"plain"'))).toBe(true);

    // The run records on disk: the token only where the stage without a secret printed it.
    const records = fs.readdirSync(ws.path('.runner', 'runs')).map((name) => ws.read(`.runner/runs/${name}`));
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record).toContain('token=***');
      expect(record).toContain('refused with ***');
      expect(record.split(TOKEN).length).toBe(record.split(`not secret here: ${TOKEN}`).length);
    }
  });
});
