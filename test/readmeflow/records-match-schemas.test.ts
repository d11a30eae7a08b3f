// The records every readmeflow stage produces match
// schemas/readmeflow-records.json (the pipeline's io schema), on the fixture
// workspace and on the example workspace the project ships.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonRecord } from '../../src/api.js';
import { verify } from '../../runners/readmeflow/verify.js';
import recordsSchema from '../../schemas/readmeflow-records.json' with { type: 'json' };
import { REPO } from '../e2e/rig.js';
import { copyFixture, fakeContext, runInProcess, tempDir } from './helpers.js';

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(recordsSchema, 'records');
const check = (definition: string, records: readonly unknown[]): void => {
  const validate = ajv.getSchema(`records#/definitions/${definition}`);
  if (!validate) throw new Error(`no definition ${definition}`);
  expect(records.length).toBeGreaterThan(0);
  for (const record of records) expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
};

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('record schemas', () => {
  it.each([
    ['the fixture workspace', 'fixture', () => copyFixture('workspace', path.join(dir, 'fixture'))],
    [
      'the example workspace',
      'examples/workspace',
      () => {
        fs.cpSync(path.join(REPO, 'examples', 'workspace'), path.join(dir, 'examples', 'workspace'), {
          recursive: true,
        });
        fs.writeFileSync(path.join(dir, 'README.md'), '# The repository README its root README links to\n');
      },
    ],
  ])('hold for every stage on %s', async (what, ws, copy) => {
    copy();
    const run = await runInProcess(dir, ws);
    check('package', run.packages);
    check('scan', run.scans);
    check('outline', run.outlines);
    check('write', run.writes);
    const checked = await verify(
      fakeContext({
        root: dir,
        params: { workspace: ws, report: `reports/${what}.md` },
        upstream: { write: run.writes as unknown as JsonRecord[] },
      }),
    );
    check('verify', checked);
  });
});
