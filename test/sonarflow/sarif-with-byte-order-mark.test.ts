// A SARIF file that starts with a UTF-8 byte order mark (as PowerShell's
// Out-File and .NET tools write it) is read like the same file without
// one: the same issues, the same task files, not "is not JSON".
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../e2e/rig.js';
import { sonarflowWorkspace } from './helpers.js';

describe('sonarflow on a SARIF file with a byte order mark', () => {
  const ws = sonarflowWorkspace();
  afterAll(() => ws.remove());

  it('gives the tasks the file gives without it', async () => {
    const sarif = fs.readFileSync(path.join(REPO, 'examples/eslint.sarif'), 'utf8');
    ws.write('plain.sarif', sarif);
    ws.write('bom.sarif', `\uFEFF${sarif}`);

    const plain = await ws.run(['exec', 'sonarflow', '--param', 'sarif=plain.sarif', '--param', 'out=plain']);
    expect(plain.code, plain.stderr).toBe(0);
    const bom = await ws.run(['exec', 'sonarflow', '--param', 'sarif=bom.sarif', '--param', 'out=bom']);
    expect(bom.code, bom.stderr).toBe(0);

    const files = fs.readdirSync(ws.path('plain')).sort();
    expect(files.length).toBeGreaterThan(1);
    expect(fs.readdirSync(ws.path('bom')).sort()).toEqual(files);
    for (const file of files)
      expect(ws.read(`bom/${file}`), file).toBe(ws.read(`plain/${file}`).replaceAll('plain.sarif', 'bom.sarif'));
  }, 120_000);
});
