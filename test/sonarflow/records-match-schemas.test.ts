// The records every sonarflow stage produces match schemas/sonarflow-records.json
// (the pipeline's io schema), checked on the SARIF default and a SonarQube page.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonRecord } from '../../src/api.js';
import { bundleIssues, parseGroupOptions } from '../../runners/sonarflow/group.js';
import { plan } from '../../runners/sonarflow/plan.js';
import { write } from '../../runners/sonarflow/write.js';
import planSchema from '../../schemas/sonarflow-plan.json' with { type: 'json' };
import recordsSchema from '../../schemas/sonarflow-records.json' with { type: 'json' };
import { startFakeSonarQube } from '../fixtures/sonarflow/fake-sonarqube.js';
import { generateIssues } from '../fixtures/sonarflow/issues.js';
import { FAST_HTTP, fakeContext, planAndFetch, sonarEnv } from './helpers.js';

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(planSchema, 'sonarflow-plan.json');
ajv.addSchema(recordsSchema, 'records');
const check = (definition: string, records: readonly unknown[]): void => {
  const validate = ajv.getSchema(`records#/definitions/${definition}`);
  if (!validate) throw new Error(`no definition ${definition}`);
  for (const record of records) expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
};

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sonarflow-schema-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe('record schemas', () => {
  it('hold for every stage on the SARIF default', async () => {
    const ctx = fakeContext({ params: { source: 'sarif', ...FAST_HTTP }, inputs: ['examples/eslint.sarif'] });
    const { pages, issues } = await planAndFetch(ctx);
    check('fetchItem', pages);
    check('issue', issues);
    const bundles = bundleIssues(issues, parseGroupOptions({ groupBy: 'rule,prefix', prefixDepth: 2, minGroup: 1 }));
    check('bundle', bundles);
    const planned = await Promise.all(
      bundles.map((b) => plan(b, fakeContext({ params: { provider: 'template', model: 'm' } }))),
    );
    check('plannedBundle', planned);
    const writeCtx = fakeContext({ params: { out: 'tasks' }, root: out });
    const written = await write({
      ...writeCtx,
      upstream: () =>
        (async function* () {
          yield* planned as JsonRecord[];
        })(),
    });
    check('written', written);
  });

  it('hold for SonarQube pages and issues', async () => {
    const fake = await startFakeSonarQube({ issues: generateIssues(1200), projectKey: 'demo' });
    try {
      const { pages, issues } = await planAndFetch(
        fakeContext({ params: { source: 'sonarqube', ...FAST_HTTP }, env: sonarEnv(fake.url, '') }),
      );
      expect(pages).toHaveLength(3);
      check('fetchItem', pages);
      check('issue', issues);
    } finally {
      await fake.close();
    }
  });
});
