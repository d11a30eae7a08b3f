// Damage in .runner/stat-cache.bin never reaches a stage's key: the run
// warns once, naming the file, hashes the files themselves, and keys every
// stage as a fresh cache would (the stage whose input was edited reruns,
// the one whose input was not stays cached); the run after it is told
// nothing and runs nothing (the cache was rewritten).
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { layoutOf, rowOf } from '../cache/stat-cache-bytes.js';
import { outcomes, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      a:
        shell: "cat in/a.txt > out-a.txt"
        inputs: [in/a.txt]
        outputs: [out-a.txt]
      b:
        shell: "cat in/b.txt > out-b.txt"
        inputs: [in/b.txt]
        outputs: [out-b.txt]
`;

const workspaces: Workspace[] = [];
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.remove();
});

/** A workspace whose stages have run once, and whose a/ input was edited since. */
async function ranThenEdited(): Promise<Workspace> {
  const ws = new Workspace();
  workspaces.push(ws);
  ws.write('pipelines.yaml', PIPELINE);
  ws.write('in/a.txt', 'a\n');
  ws.write('in/b.txt', 'b\n');
  const first = await ws.run(['exec', 'p', '--json']);
  expect(first.code, first.stderr).toBe(0);
  expect(outcomes(first.events)).toEqual({ a: 'ran', b: 'ran' });
  ws.write('in/a.txt', 'a, edited\n');
  return ws;
}

/** The stat cache's bytes with `change` done to them. */
function damage(ws: Workspace, change: (data: Buffer) => void): void {
  const data = fs.readFileSync(ws.path('.runner', 'stat-cache.bin'));
  change(data);
  fs.writeFileSync(ws.path('.runner', 'stat-cache.bin'), data);
}

const warningsOf = (stderr: string): string[] => stderr.split('\n').filter((line) => /\bwarning:/.test(line));

const DAMAGE: [string, (ws: Workspace) => (data: Buffer) => void][] = [
  [
    "a bit flipped in in/b.txt's hash",
    () => (data) => {
      const at = layoutOf(data).sections.hashes[0] + 32 * rowOf(data, 'in/b.txt') + 3;
      data.writeUInt8(data.readUInt8(at) ^ 0x04, at);
    },
  ],
  [
    "torn: the hashes cut in in/b.txt's, zeros to the end",
    () => (data) => data.fill(0, layoutOf(data).sections.hashes[0] + 32 * rowOf(data, 'in/b.txt') + 16),
  ],
  [
    // A wrong cache hit without the checks: the old hash under the stat of the edited file.
    "torn: in/a.txt's new stat over its old hash (bytes of a later write)",
    (ws) => (data) => {
      const st = fs.statSync(ws.path('in', 'a.txt'));
      const at = layoutOf(data).sections.nums[0] + 24 * rowOf(data, 'in/a.txt');
      data.writeDoubleLE(st.size, at);
      data.writeDoubleLE(st.ctimeMs, at + 8);
      data.writeDoubleLE(st.ino, at + 16);
    },
  ],
];

describe('a damaged stat cache and the stage keys', () => {
  it.each(DAMAGE)('%s: one warning, the edited stage reruns, the other stays cached', async (_name, change) => {
    const ws = await ranThenEdited();
    damage(ws, change(ws));

    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const warnings = warningsOf(run.stderr);
    expect(warnings, run.stderr).toHaveLength(1);
    expect(warnings[0]).toContain(`warning: ${ws.path('.runner', 'stat-cache.bin')}: `);
    expect(warnings[0]).toMatch(/checksum \(edited or damaged since the file was written\); ignoring it$/);
    expect(outcomes(run.events)).toEqual({ a: 'ran', b: 'cached' });
    expect(ws.read('out-a.txt')).toBe('a, edited\n');

    const again = await ws.run(['exec', 'p', '--json']);
    expect(warningsOf(again.stderr)).toEqual([]);
    expect(outcomes(again.events)).toEqual({ a: 'cached', b: 'cached' });
  });
});
