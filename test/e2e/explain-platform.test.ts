// The platform (os, arch, Node major version) is part of every key: explain
// names it when the last key was made on another kind of machine.
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedWorkspace } from './explain-workspace.js';
import type { Workspace } from './rig.js';

interface Sqlite3Database {
  run(sql: string, params: unknown[], callback: (error: Error | null) => void): void;
  close(callback: (error: Error | null) => void): void;
}
const sqlite3 = createRequire(import.meta.url)('sqlite3') as { Database: new (file: string) => Sqlite3Database };

/** Rewrites every stored manifest as if made on macOS/arm64 under Node 18. */
async function madeElsewhere(ws: Workspace): Promise<void> {
  const db = new sqlite3.Database(ws.path('.runner/cache.sqlite'));
  const here = `"platform":${JSON.stringify({ os: process.platform, arch: process.arch })}`.slice(0, -1);
  await new Promise<void>((resolve, reject) =>
    db.run(
      'UPDATE keyv SET value = replace(value, ?, ?)',
      [here, '"platform":{"os":"darwin","arch":"arm64"'],
      (error) => (error ? reject(error) : resolve()),
    ),
  );
  await new Promise<void>((resolve) => db.close(() => resolve()));
}

describe('explain: platform', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('shows the platform old -> new beside the other changes', async () => {
    ws = await cachedWorkspace();
    await madeElsewhere(ws);
    const node = process.versions.node.split('.')[0];
    const result = await ws.run(['explain', 'p', 'down', '--param', 'level=2']);
    expect(result.stdout).toBe(
      [
        'p/down  would run   param changed: level',
        '    params:',
        '      level: 1 -> 2',
        '    cache:',
        `      platform: darwin-arm64-node${node} -> ${process.platform}-${process.arch}-node${node}`,
        '',
      ].join('\n'),
    );
  });
});
