// Valid JSON of the wrong shape in what .runner keeps (state.json, the
// stat cache, config.json, the latest run record), against every command:
// one warning naming the file from each command that reads it, none from
// the others, and never an internal error. One table of (file, damage) rows
// times the commands.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { layoutOf, relaid } from '../cache/stat-cache-bytes.js';
import { Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      copy:
        shell: "cat in/*.txt > copy.txt"
        inputs: ["in/*.txt"]
        outputs: [copy.txt]
      shout:
        run: shout.mjs#shout
        needs: [copy]
        inputs: [copy.txt]
        outputs: [shout.txt]
`;
const SHOUT = `import fs from 'node:fs';
export function shout(ctx) {
  fs.writeFileSync(ctx.workspace.resolve('shout.txt'), fs.readFileSync(ctx.workspace.resolve('copy.txt'), 'utf8').toUpperCase());
}
`;

type Json = Record<string, unknown>;
type Reader = 'state' | 'stats' | 'config' | 'record';

/** The commands, and which of the files each reads (config.json: all of them). */
const COMMANDS: [string, string[], Reader[]][] = [
  ['exec', ['exec', 'p'], ['config', 'state', 'stats']],
  ['exec --dry-run', ['exec', 'p', '--dry-run'], ['config', 'state', 'stats']],
  ['status', ['status', 'p'], ['config', 'state', 'stats']],
  ['explain', ['explain', 'p', 'shout'], ['config', 'state', 'stats']],
  ['report', ['report', '-o', 'report.html'], ['config', 'record']],
  ['cache stats', ['cache', 'stats'], ['config', 'record']],
  ['cache prune', ['cache', 'prune'], ['config', 'state']],
  ['list', ['list'], ['config']],
  ['graph', ['graph', 'p'], ['config', 'record']],
];

const editJson =
  (edit: (json: Json) => unknown) =>
  (text: Buffer): Buffer => {
    const json = JSON.parse(text.toString('utf8')) as Json;
    edit(json);
    return Buffer.from(JSON.stringify(json));
  };
const stageOf = (json: Json, id: string): Json => (json.stages as Record<string, Json>)[id] as Json;
const configStage = (json: Json, name: string): Json =>
  ((((json.config as Json).pipelines as Json).p as Json).stages as Json)[name] as Json;

/** The stat cache with the JSON of its `derived` section replaced (laid out and checked again as a writer would). */
function withDerived(replace: (derived: Json) => Json) {
  return (data: Buffer): Buffer =>
    relaid(data, (name, bytes) =>
      name === 'derived' ? Buffer.from(JSON.stringify(replace(JSON.parse(bytes.toString('utf8'))))) : bytes,
    );
}

/** The stat cache with a bit of its first entry's hash flipped, as a disk might leave it. */
function withHashFlipped(data: Buffer): Buffer {
  const out = Buffer.from(data);
  const at = layoutOf(out).sections.hashes[0] + 5;
  out.writeUInt8((out.readUInt8(at) ^ 0x10) & 0xff, at);
  return out;
}

const ROWS: [Reader, string, string, (old: Buffer) => Buffer, string][] = [
  [
    'state',
    '.runner/state.json',
    'stages null',
    () => Buffer.from('{"format":1,"stages":null}'),
    'stages: expected an object, got null',
  ],
  [
    'state',
    '.runner/state.json',
    'outputs null',
    editJson((s) => Object.assign(stageOf(s, 'p/copy'), { outputs: null })),
    'stages["p/copy"].outputs: expected an array, got null',
  ],
  [
    'stats',
    '.runner/stat-cache.bin',
    'derived lists a number',
    withDerived((d) => Object.fromEntries(Object.keys(d).map((k) => [k, 5]))),
    'derived["imports:',
  ],
  ['stats', '.runner/stat-cache.bin', 'cut short', (old) => old.subarray(0, 600), 'cut short'],
  ['stats', '.runner/stat-cache.bin', 'a hash flipped', withHashFlipped, 'bytes 512-'],
  [
    'config',
    '.runner/config.json',
    'needs: 5',
    editJson((c) => Object.assign(configStage(c, 'shout'), { needs: 5 })),
    'the config does not match its checksum (edited or damaged since it was written)',
  ],
  [
    'config',
    '.runner/config.json',
    'sum null',
    editJson((c) => Object.assign(c, { sum: null })),
    'sum: expected a string, got null',
  ],
  [
    'record',
    'LATEST_RUN',
    'stages null',
    editJson((r) => Object.assign(r, { stages: null })),
    'stages: expected an array, got null',
  ],
  [
    'record',
    'LATEST_RUN',
    'a failure without its fields',
    editJson((r) =>
      Object.assign((r.stages as Json[])[0] as Json, { outcome: 'failed', failure: { kind: 'exit-non-zero' } }),
    ),
    'stages[0].failure.code: expected a number, got nothing',
  ],
];

const TABLE = ROWS.flatMap(([reader, file, damage, make, problem]) =>
  COMMANDS.map(([command, args, reads]) => [file, damage, command, { reader, make, problem, args, reads }] as const),
);

let template: Workspace;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  // Two runs: the damaged record is the latest, and the report falls back to the one before.
  template = new Workspace();
  template.write('pipelines.yaml', PIPELINE);
  template.write('in/a.txt', 'hello\n');
  template.write('shout.mjs', SHOUT);
  for (let i = 0; i < 2; i++) {
    const result = await template.run(['exec', 'p']);
    expect(result.code, result.stderr).toBe(0);
  }
});
afterAll(() => template.remove());
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.remove();
});

function latestRun(ws: Workspace): string {
  const runs = fs.readdirSync(ws.path('.runner', 'runs')).sort();
  return path.join('.runner', 'runs', runs[runs.length - 1] ?? '');
}

describe('a bad file in .runner', () => {
  it.each(TABLE)('%s, %s: %s warns once or not at all, never crashes', async (file, _damage, _command, row) => {
    const ws = new Workspace();
    workspaces.push(ws);
    fs.cpSync(template.dir, ws.dir, { recursive: true });
    const relative = file === 'LATEST_RUN' ? latestRun(ws) : file;
    fs.writeFileSync(ws.path(relative), row.make(fs.readFileSync(ws.path(relative))));

    const result = await ws.run(row.args);
    expect(result.stderr).not.toMatch(/internal error|TypeError/);
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => /\bwarning:/.test(line));
    if (row.reads.includes(row.reader)) {
      expect(warnings).toHaveLength(1);
      const warning = warnings[0] ?? '';
      expect(warning.slice(warning.indexOf('warning: '))).toContain(`warning: ${ws.path(relative)}: ${row.problem}`);
      expect(warning).toMatch(/; ignoring it$/);
    } else {
      expect(warnings).toEqual([]);
    }
  });
});
