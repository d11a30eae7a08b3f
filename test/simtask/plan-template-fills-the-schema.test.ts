// The template planner: every plan it makes is valid against
// schemas/simtask-plan.schema.json (the same schema an LLM answer must
// meet), names the most common name and signature, keeps a copy others can
// already import, and lists every other copy as a step.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import planSchema from '../../schemas/simtask-plan.schema.json' with { type: 'json' };
import { templatePlan } from '../../runners/simtask/plan-template.js';
import type { PlanRecord } from '../../runners/simtask/types.js';
import { fixturePlans } from './helpers.js';

type Cluster = Omit<PlanRecord, 'plan' | 'planner'>;
const member = (overrides: Partial<Cluster['members'][number]>): Cluster['members'][number] => ({
  id: `${overrides.file ?? 'src/a.ts'}#${overrides.qualifiedName ?? overrides.name ?? 'f'}:function`,
  file: 'src/a.ts',
  name: 'f',
  qualifiedName: overrides.name ?? 'f',
  kind: 'function',
  exported: false,
  signature: `${overrides.name ?? 'f'}(x: number): number`,
  startLine: 1,
  endLine: 10,
  ...overrides,
});
const cluster = (members: Cluster['members']): Cluster => ({
  id: 'c000000000001',
  name: 'sum',
  size: members.length,
  similarity: { max: 0.97, avg: 0.95, min: 0.93 },
  embedder: 'local',
  members,
});

describe('template plans', () => {
  it('match the plan schema for every fixture cluster', async () => {
    const validate = new Ajv({ allErrors: true, strict: true }).compile(planSchema);
    const plans = await fixturePlans();
    expect(plans.length).toBeGreaterThan(10);
    for (const record of plans) expect(validate(record.plan), JSON.stringify(validate.errors)).toBe(true);
  });

  it('keep the exported copy where it is and turn the others into calls', () => {
    const plan = templatePlan(
      cluster([
        member({ file: 'src/cart/total.ts', name: 'sumLines', startLine: 3 }),
        member({ file: 'src/orders/sum.ts', name: 'sum', exported: true, startLine: 8 }),
        member({ file: 'src/report/sum.ts', name: 'sum', startLine: 20 }),
      ]),
    );
    expect(plan).toMatchObject({
      canonicalName: 'sum',
      canonicalPath: 'src/orders/sum.ts',
      proposedSignature: 'sum(x: number): number',
    });
    expect(plan.steps[0]).toBe('Keep `sum` (src/orders/sum.ts:8) as the one implementation.');
    expect(plan.steps.filter((s) => s.includes('call `sum` instead'))).toEqual([
      'In src/cart/total.ts:3, delete `sumLines` and call `sum` instead.',
      'In src/report/sum.ts:20, delete `sum` and call `sum` instead.',
    ]);
    expect(plan.risks.join(' ')).toMatch(/different names/);
  });

  it('put a shared module beside copies none of which is exported, and make methods delegate', () => {
    const plan = templatePlan(
      cluster([
        member({ file: 'src/a/x.ts', name: 'sum' }),
        member({ file: 'src/b/y.js', name: 'total', qualifiedName: 'Cart.total', className: 'Cart', kind: 'method' }),
      ]),
    );
    expect(plan.canonicalPath).toBe('src/shared/sum.ts');
    expect(plan.steps.some((s) => s.includes('make `Cart.total` delegate to `sum`'))).toBe(true);
    expect(plan.risks.join(' ')).toMatch(/JavaScript and TypeScript/);
  });
});
