// The shared store (Redis, PostgreSQL) killed between two stages of a run,
// once the first stage's results have reached it (its connections idle):
// the run stays correct, with one warning, and what it computed is cached
// locally (SQLite, the first tier), so the workspace keeps its incremental
// runs while the shared store is down.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { redact } from '../../src/cache/store.js';
import { POSTGRES_PASSWORD } from '../cache/postgres-server.js';
import { outcomes, Workspace } from './rig.js';
import { SHARED_BACKENDS, startShared, storedEntries } from './shared-cache-rig.js';
import type { SharedServer, StoredEntries } from './shared-cache-rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      first:
        shell: "mkdir -p out && cat in.txt in.txt > out/first.txt"
        inputs: [in.txt]
        outputs: [out/first.txt]
      gate:
        shell: "until [ -f go ]; do sleep 0.02; done; cat out/first.txt > out/gate.txt"
        inputs: [out/first.txt]
        needs: [first]
        outputs: [out/gate.txt]
      last:
        shell: "cat out/gate.txt out/gate.txt > out/last.txt"
        inputs: [out/gate.txt]
        needs: [gate]
        outputs: [out/last.txt]
`;

/** Waits until the store holds an entry of each kind: `first`'s stage entry, manifest and output. */
async function untilStored(entries: StoredEntries, kinds: string[]): Promise<void> {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const keys = await entries.keys();
    if (kinds.every((kind) => keys.some((key) => key.startsWith(`${kind}:`)))) return;
  }
  throw new Error(`the shared store never held ${kinds.join(', ')} entries`);
}

describe.each(SHARED_BACKENDS)('the shared store (%s) killed in the middle of a run', (backend) => {
  let shared: SharedServer | undefined;
  let ws: Workspace | undefined;
  afterEach(async () => {
    await shared?.stop();
    ws?.remove();
  });

  it('leaves the run correct, and its results cached locally', async () => {
    shared = await startShared(backend);
    const server = shared;
    ws = new Workspace();
    const workspace = ws;
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('in.txt', 'a\n');
    const env = { RUNNER_CACHE_URL: server.url };
    let killed: Promise<void> | undefined;
    // When `first` has ended and its results are in the shared store, the server goes; then `gate` may go on.
    const run = await ws.run(['exec', 'p', '--json'], {
      env,
      onStdout: (stdout) => {
        if (killed || !/"event":"stage:end"[^\n]*"stage":"first"/.test(stdout)) return;
        killed = untilStored(storedEntries(backend, server.url), ['stage', 'manifest', 'blob'])
          .then(() => server.stop())
          .then(() => fs.writeFileSync(workspace.path('go'), ''));
      },
    });
    await killed;
    expect(run.code, run.stderr).toBe(0);
    expect(outcomes(run.events)).toEqual({ first: 'ran', gate: 'ran', last: 'ran' });
    expect(ws.read('out/last.txt')).toBe('a\na\na\na\n');
    // One warning, saying what failed and why.
    const warnings = run.stderr.split('\n').filter((line) => line.includes('warning'));
    expect(warnings, run.stderr).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `warning: shared cache ${escaped(redact(server.url))} failed: .+; using the local cache only for this run$`,
      ),
    );

    // The server still down: an edit and its revert; the revert restores from the local cache.
    ws.write('in.txt', 'b\n');
    const edited = await ws.run(['exec', 'p', '--json'], { env });
    expect(edited.code, edited.stderr).toBe(0);
    expect(outcomes(edited.events)).toEqual({ first: 'ran', gate: 'ran', last: 'ran' });
    expect(edited.stderr).toContain(
      `shared cache unavailable, using the local cache only: cannot connect to ${redact(server.url)}: `,
    );
    for (const said of [run.stderr, edited.stderr]) expect(said).not.toContain(POSTGRES_PASSWORD);
    ws.write('in.txt', 'a\n');
    const reverted = await ws.run(['exec', 'p', '--json'], { env });
    expect(outcomes(reverted.events)).toEqual({ first: 'restored', gate: 'restored', last: 'restored' });
    expect(ws.read('out/last.txt')).toBe('a\na\na\na\n');
  }, 30_000);
});

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
