// A damaged .runner/cache.sqlite (cut short, random bytes, plain text):
// every command that opens the store moves it aside as
// cache.sqlite.corrupt-<time>, says so in one warning, and goes on with an
// empty store; the next command finds a healthy store and says nothing.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      copy:
        shell: "cat in.txt > copy.txt"
        inputs: [in.txt]
        outputs: [copy.txt]
`;

const DAMAGE: [string, (good: Buffer) => Buffer][] = [
  ['cut short', (good) => good.subarray(0, good.length - good.readUInt16BE(16))],
  ['random bytes', () => randomBytes(16_384)],
  ['plain text', () => Buffer.from('not a database\n')],
];

// Each command opens the store: exec without a workspace state looks its stage up there.
const COMMANDS: [string, string[]][] = [
  ['exec', ['exec', 'p']],
  ['cache stats', ['cache', 'stats']],
  ['cache clear', ['cache', 'clear']],
  ['cache prune', ['cache', 'prune']],
];

const ROWS = DAMAGE.flatMap(([damage, make]) =>
  COMMANDS.map(([command, args]) => [damage, command, make, args] as const),
);

const workspaces: Workspace[] = [];
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.remove();
});

/** A workspace whose store holds the entry of one run, its state gone, its store file then damaged. */
async function damagedWorkspace(make: (good: Buffer) => Buffer): Promise<{ ws: Workspace; damaged: Buffer }> {
  const ws = new Workspace();
  workspaces.push(ws);
  ws.write('pipelines.yaml', PIPELINE);
  ws.write('in.txt', 'hello\n');
  const cold = await ws.run(['exec', 'p']);
  expect(cold.code, cold.stderr).toBe(0);
  fs.rmSync(ws.path('.runner', 'state.json'));
  const damaged = make(fs.readFileSync(ws.path('.runner', 'cache.sqlite')));
  for (const suffix of ['-wal', '-shm']) fs.rmSync(ws.path('.runner', `cache.sqlite${suffix}`), { force: true });
  fs.writeFileSync(ws.path('.runner', 'cache.sqlite'), damaged);
  return { ws, damaged };
}

function asideFiles(ws: Workspace): string[] {
  return fs.readdirSync(ws.path('.runner')).filter((name) => /^cache\.sqlite\.corrupt-\d{8}T\d{9}Z$/.test(name));
}

describe('a damaged cache.sqlite', () => {
  it.each(ROWS)('%s, then %s: moved aside with one warning, exit 0', async (_damage, _command, make, args) => {
    const { ws, damaged } = await damagedWorkspace(make);

    const result = await ws.run(args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/internal error/);
    const aside = asideFiles(ws);
    expect(aside).toHaveLength(1);
    const warnings = result.stderr.split('\n').filter((line) => line.includes('warning:'));
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `warning: cache store sqlite://${ws.path('.runner', 'cache.sqlite')}: the database is damaged \\(SQLITE_(CORRUPT|NOTADB): [^)]+\\): moved it to ${ws.path('.runner', aside[0] ?? '')} and started an empty cache$`,
        ),
      ),
    ]);
    expect(fs.readFileSync(ws.path('.runner', aside[0] ?? ''))).toEqual(damaged);

    // Repaired for good: the next command that opens the store finds it healthy.
    const forced = await ws.run(['exec', 'p', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).not.toMatch(/warning/);
    const stats = await ws.run(['cache', 'stats', '--json']);
    expect(stats.stderr).toBe('');
    expect(JSON.parse(stats.stdout).entries.stage).toBe(1);
    expect(asideFiles(ws)).toHaveLength(1);
  });
});
