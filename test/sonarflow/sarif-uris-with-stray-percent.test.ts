// A SARIF location whose URI holds a `%` that starts no escape (a tool that
// writes file names as they are: `src/50%off.ts`) or an escape that is not
// UTF-8 gives the file's path, instead of failing the whole run with a bare
// "URI malformed".
import { describe, expect, it } from 'vitest';
import { sarifRecords } from '../../runners/sonarflow/sarif.js';
import type { SarifRun } from '../../runners/sonarflow/sarif.js';

const ROOT = '/home/dev/project';

function runWith(uris: string[]): SarifRun {
  return {
    tool: { driver: { name: 'lint', rules: [{ id: 'r' }] } },
    results: uris.map((uri, i) => ({
      ruleId: 'r',
      level: 'warning',
      message: { text: `m${i}` },
      locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine: 1 } } }],
    })),
  };
}

describe('SARIF URIs with a stray %', () => {
  it('are read as the file names they spell', () => {
    const records = sarifRecords(
      runWith(['src/50%off.ts', 'file:///home/dev/project/src/100%.ts', 'src/my%20file.ts', 'src/caf%E9.ts']),
      ROOT,
    );
    expect(records.map((r) => r.file)).toEqual(['src/50%off.ts', 'src/100%.ts', 'src/my file.ts', 'src/caf%E9.ts']);
  });
});
