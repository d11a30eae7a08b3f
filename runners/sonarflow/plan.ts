// Stage `plan` (map over group, item cache): a remediation plan per bundle.
// params.provider: `template` (default, offline, deterministic) or `ollama`
// (OLLAMA_URL, params.model), which falls back to the template when the
// model is unreachable or its answer does not match the plan schema.
// The template is deterministic and built from the bundle alone.
import type { ItemContext, JsonRecord } from '../../src/api.js';
import { formatMinutes } from './group.js';
import { ollamaPlan } from './plan-ollama.js';
import type { BundleRecord, PlannedBundle, TaskPlan } from './types.js';

export async function plan(item: JsonRecord, ctx: ItemContext): Promise<PlannedBundle> {
  const bundle = item as BundleRecord;
  const provider = ctx.params.provider;
  if (provider === 'template') return { ...bundle, plan: templatePlan(bundle), planner: 'template' };
  if (provider !== 'ollama')
    throw new Error(`params.provider must be template or ollama (got ${JSON.stringify(provider)})`);
  const model = String(ctx.params.model);
  const outcome = await ollamaPlan(bundle, {
    url: ctx.env.OLLAMA_URL ?? 'http://127.0.0.1:11434',
    model,
    signal: ctx.signal,
  });
  if (outcome.ok) return { ...bundle, plan: outcome.plan, planner: `ollama:${model}` };
  ctx.log(`${bundle.id}: ollama plan unusable (${outcome.reason}); using the template`);
  return { ...bundle, plan: templatePlan(bundle), planner: 'template (ollama fallback)' };
}

export function templatePlan(bundle: BundleRecord): TaskPlan {
  const files = new Set(bundle.issues.map((i) => i.file)).size;
  const where =
    bundle.prefix === '*'
      ? 'across the project'
      : bundle.prefix === '.'
        ? 'at the project root'
        : `in ${bundle.prefix}`;
  const what = bundle.rule === '*' ? 'static-analysis issues' : `\`${bundle.rule}\` issues`;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const effort = bundle.effortMinutes > 0 ? ` SonarQube estimates ${formatMinutes(bundle.effortMinutes)} of work.` : '';
  const doc = ruleDocs(bundle.rule);
  return {
    title: `Fix ${plural(bundle.count, bundle.rule === '*' ? 'issue' : `${bundle.rule} issue`)} ${where}`.slice(0, 120),
    summary:
      `${bundle.count} open ${what} (top severity ${bundle.topSeverity}, ${bundle.types.join(', ').toLowerCase().replace(/_/g, ' ')}) ` +
      `in ${plural(files, 'file')} ${where}.${effort}`,
    steps: [
      doc
        ? `Read the rule's documentation (${doc}) to see why it matters and how it is usually fixed.`
        : "Read the rule's description to see why it matters and how it is usually fixed.",
      `Work through the issues below, highest severity first, one file at a time.`,
      `Where an issue is a false positive, mark it so in the analyser (SonarQube: False positive or Won't fix; ESLint: a disable comment that gives the reason) instead of bending the code.`,
      `Run the tests and the analyser again before closing the task.`,
    ],
    acceptance: [
      bundle.rule === '*'
        ? `None of the listed issues is open any more.`
        : `The analyser reports no open \`${bundle.rule}\` issue ${where}.`,
      `The tests pass and no new issue was introduced in the files touched.`,
    ],
  };
}

/** Where a rule is documented, for the rules whose home is known. */
export function ruleDocs(rule: string): string | undefined {
  const ts = /^@typescript-eslint\/(.+)$/.exec(rule);
  if (ts) return `https://typescript-eslint.io/rules/${ts[1]}`;
  if (/^[a-z][a-z-]*$/.test(rule)) return `https://eslint.org/docs/latest/rules/${rule}`;
  const sonar = /^[a-z]+:S\d+$/.exec(rule);
  if (sonar) return `the SonarQube Rules page, key ${rule}`;
  return undefined;
}
