import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      one: { shell: "echo one" }
      two: { needs: [one], shell: "echo two" }
`;

function runIds(ws: Workspace): string[] {
  return fs
    .readdirSync(ws.path('.runner', 'runs'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

describe('runner report', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('writes the report of the latest run, or of a run named by its id or a unique prefix', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    expect((await ws.run(['exec', 'p', '--report', 'exec.html'])).code).toBe(0);
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    const [first, second] = runIds(ws);
    if (!first || !second) throw new Error('expected two runs');

    const latest = await ws.run(['report', '-o', 'latest.html']);
    expect([latest.code, latest.stdout]).toEqual([0, 'latest.html\n']);
    expect(ws.read('latest.html')).toContain(second);

    // The first run's report drawn again from its record is the file exec wrote.
    expect((await ws.run(['report', first, '-o', 'first.html'])).code).toBe(0);
    expect(ws.read('first.html')).toBe(ws.read('exec.html'));
    const prefix = first.slice(0, first.length - 2);
    if (!second.startsWith(prefix)) {
      expect((await ws.run(['report', prefix, '-o', 'prefix.html'])).code).toBe(0);
      expect(ws.read('prefix.html')).toBe(ws.read('exec.html'));
    }
  });

  it('writes to stdout with -o -, and defaults to runner-report.html', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    await ws.run(['exec', 'p']);
    const stdout = await ws.run(['report', '-o', '-']);
    expect(stdout.stdout.startsWith('<!doctype html>')).toBe(true);
    expect((await ws.run(['report'])).stdout).toBe('runner-report.html\n');
    expect(ws.read('runner-report.html')).toBe(stdout.stdout);
  });

  it('fails with exit code 2 for an unknown run, or when nothing ran yet', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const none = await ws.run(['report']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^runner: no runs recorded in \.runner[/\\]runs yet\n$/);
    await ws.run(['exec', 'p']);
    const unknown = await ws.run(['report', 'nosuchrun']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^runner: no run nosuchrun in \.runner[/\\]runs\n$/);
  });

  it('--report works with --no-cache, which records no run', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    expect((await ws.run(['exec', 'p', '--no-cache', '--report', 'r.html'])).code).toBe(0);
    expect(ws.read('r.html')).toContain('<g class="node" data-stage="p/two" data-outcome="ran"');
    expect(ws.exists('.runner/runs')).toBe(false);
  });
});
