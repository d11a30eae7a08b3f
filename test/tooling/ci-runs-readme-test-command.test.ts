// CI runs the README's test command as it stands, so a green CI means the
// command a person copies from the README passes on a fresh machine.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../e2e/rig.js';

describe('.ci/run', () => {
  it("runs exactly the README's test command, and installs nothing itself", () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```bash\n([^`]*)```/g)].map((m) => (m[1] ?? '').trim());
    const testCommand = blocks.find((block) => /\bnpm test\b/.test(block));
    expect(testCommand).toBe('npm ci && npm test');
    const commands = fs
      .readFileSync(path.join(REPO, '.ci', 'run'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(commands).toEqual(['set -euo pipefail', 'cd "$(dirname "$0")/.."', testCommand]);
  });
});
