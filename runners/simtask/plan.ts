// simtask/plan: one consolidation plan per cluster. Provider `template`
// (default) fills the plan in from the cluster's data (plan-template.ts);
// provider `ollama` asks OLLAMA_URL/api/generate for JSON at temperature 0
// and uses the answer only if it matches schemas/simtask-plan.schema.json,
// falling back to the template otherwise, so a model that rambles or a
// server that is down never fails the run nor writes a broken task.
// Item cache per cluster: the key is the whole cluster record (members,
// their lines and signatures), and planProvider/planModel are stage params.
// The model is shown the members' code, read from the workspace at planning
// time; a change to a member's code that leaves its vector alone (comments,
// literals) does not re-plan its cluster.
import fs from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { defineMap } from '../../src/api.js';
import type { ItemContext } from '../../src/api.js';
import planSchema from '../../schemas/simtask-plan.schema.json' with { type: 'json' };
import { generateChecked } from '../lib/ollama.js';
import { templatePlan } from './plan-template.js';
import type { ClusterMember, ClusterRecord, Plan, PlanRecord } from './types.js';

const MAX_PROMPT_MEMBERS = 8;
const MAX_PROMPT_CODE = 1500;

// ajv is loaded (and the schema compiled) only when a model's answer needs checking.
let validator: Promise<ValidateFunction<Plan>> | undefined;
async function validatePlan(value: unknown): Promise<{ plan: Plan } | { problem: string }> {
  validator ??= import('ajv').then(({ Ajv }) => new Ajv({ allErrors: true, strict: true }).compile<Plan>(planSchema));
  const validate = await validator;
  if (validate(value)) return { plan: value };
  const problem = (validate.errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
    .join('; ');
  return { problem };
}

export async function planCluster(
  cluster: ClusterRecord,
  ctx: Pick<ItemContext, 'params' | 'env' | 'signal' | 'log' | 'workspace'>,
): Promise<PlanRecord> {
  const record = (plan: Plan, planner: string): PlanRecord => ({ ...cluster, plan, planner });
  const provider = String(ctx.params.planProvider);
  if (provider === 'template') return record(templatePlan(cluster), 'template');
  if (provider !== 'ollama')
    throw new Error(`planProvider must be template or ollama, not ${JSON.stringify(provider)}`);

  const model = String(ctx.params.planModel);
  const fallback = (why: string): PlanRecord => {
    ctx.log(`cluster ${cluster.id}: ${why}; using the template plan`);
    return record(templatePlan(cluster), 'template');
  };
  const url = ctx.env.OLLAMA_URL;
  if (!url) return fallback('OLLAMA_URL is empty');
  const asked = await generateChecked({
    url,
    model,
    system: SYSTEM,
    prompt: promptFor(cluster, (m) => codeOf(m, ctx.workspace)),
    format: 'json',
    signal: ctx.signal,
    schema: 'schemas/simtask-plan.schema.json',
    check: async (value) => {
      const checked = await validatePlan(value);
      return 'problem' in checked ? checked : { value: checked.plan };
    },
  });
  if ('problem' in asked) return fallback(asked.problem);
  return record(asked.value, `ollama:${model}`);
}

export const plan = defineMap<ClusterRecord, PlanRecord>({ run: planCluster });

const SYSTEM =
  'You plan refactorings of TypeScript and JavaScript code. Answer with one JSON object and nothing else, with exactly these keys: ' +
  'title (string), summary (string), canonicalName (identifier), canonicalPath (workspace-relative file path), ' +
  'proposedSignature (string), steps (array of strings), risks (array of strings), acceptance (array of strings).';

/** A member's source lines, as they are in the workspace now. */
function codeOf(member: ClusterMember, workspace: ItemContext['workspace']): string {
  try {
    const lines = fs.readFileSync(workspace.resolve(member.file), 'utf8').split('\n');
    return lines.slice(member.startLine - 1, member.endLine).join('\n');
  } catch {
    return `// ${member.file} could not be read`;
  }
}

function promptFor(cluster: ClusterRecord, code: (member: ClusterMember) => string): string {
  const shown = cluster.members.slice(0, MAX_PROMPT_MEMBERS);
  const parts = [
    `These ${cluster.size} functions are near-duplicates (cosine similarity ${cluster.similarity.min} to ${cluster.similarity.max}).`,
    'Plan one task that consolidates them into a single implementation: which name and file to keep, the signature, the steps (one per copy to change), the risks, and acceptance criteria.',
    '',
  ];
  for (const member of shown) {
    parts.push(
      `// ${member.file}:${member.startLine}-${member.endLine} ${member.qualifiedName} (${member.kind}${member.exported ? ', exported' : ''})`,
    );
    const text = code(member);
    parts.push(text.length > MAX_PROMPT_CODE ? `${text.slice(0, MAX_PROMPT_CODE)}\n// ...` : text);
    parts.push('');
  }
  if (cluster.members.length > shown.length)
    parts.push(`(${cluster.members.length - shown.length} more copies not shown)`);
  return parts.join('\n');
}
