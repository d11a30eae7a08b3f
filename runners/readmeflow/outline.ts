// readmeflow/outline: the README section of each package. Provider
// `template` (default) renders it from the scan record alone
// (outline-template.ts). Provider `ollama` also asks OLLAMA_URL for a
// tagline and an overview at temperature 0, and uses them only when the
// answer matches schemas/readmeflow-outline.json; anything else (a server
// that is down, a model that rambles) falls back to the template, so the
// run never fails and never writes a broken README because of a model.
//
// Item cache: keyed by the scan record without the README's state (which
// only write cares about; `emit` passes it on), and by the stage's params
// (outlineProvider, outlineModel), which are part of the item scope.
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { defineMap } from '../../src/api.js';
import type { ItemContext } from '../../src/api.js';
import proseSchema from '../../schemas/readmeflow-outline.json' with { type: 'json' };
import { generateChecked } from '../lib/ollama.js';
import { renderOutline, templateTagline } from './outline-template.js';
import type { Prose } from './outline-template.js';
import type { OutlineRecord, ScanRecord } from './types.js';
import { canonicalJson } from './util.js';

type Outline = { markdown: string; generator: string };

const MAX_PROMPT_SYMBOLS = 40;

let validator: ValidateFunction<Required<Prose>> | undefined;
function validateProse(value: unknown): { prose: Required<Prose> } | { problem: string } {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile<Required<Prose>>(proseSchema);
  if (validator(value)) return { prose: value };
  return {
    problem: (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; '),
  };
}

export async function outlinePackage(
  record: ScanRecord,
  ctx: Pick<ItemContext, 'params' | 'env' | 'signal' | 'log'>,
): Promise<Outline> {
  const provider = String(ctx.params.outlineProvider);
  if (provider === 'template') return { markdown: renderOutline(record), generator: 'template' };
  if (provider !== 'ollama')
    throw new Error(`outlineProvider must be template or ollama, not ${JSON.stringify(provider)}`);
  const model = String(ctx.params.outlineModel);
  const fallback = (why: string): Outline => {
    ctx.log(`${record.name}: ${why}; using the template`);
    return { markdown: renderOutline(record), generator: 'template' };
  };
  const url = ctx.env.OLLAMA_URL;
  if (!url) return fallback('OLLAMA_URL is empty');
  const asked = await generateChecked({
    url,
    model,
    system: SYSTEM,
    prompt: promptFor(record),
    format: proseSchema,
    signal: ctx.signal,
    retries: 1,
    schema: 'schemas/readmeflow-outline.json',
    check: (value) => {
      const checked = validateProse(value);
      return 'problem' in checked ? checked : { value: checked.prose };
    },
  });
  if ('problem' in asked) return fallback(asked.problem);
  return { markdown: renderOutline(record, asked.value), generator: `ollama:${model}` };
}

export const outline = defineMap<ScanRecord, Outline>({
  key: (item) => canonicalJson({ ...item, readme: undefined }),
  run: outlinePackage,
  emit: (item, result): OutlineRecord => ({
    dir: item.dir,
    name: item.name,
    readme: item.readme,
    markdown: result.markdown,
    generator: result.generator,
  }),
});

const SYSTEM =
  'You write the opening of a README for a JavaScript/TypeScript package. Answer with one JSON object and nothing else, with exactly two keys: ' +
  'tagline (one plain sentence, at most 160 characters, saying what the package is for) and overview (one or two short paragraphs of plain prose, ' +
  'at most 800 characters, saying what it does and when to use it). No markdown, no code, no links, no headings. Use only the facts given.';

function promptFor(record: ScanRecord): string {
  const { facts } = record;
  const symbols = facts.entries.flatMap((e) => e.symbols.map((s) => `${e.subpath} ${s.signature}`));
  const lines = [
    `Package: ${facts.name || record.name}${facts.version ? ` ${facts.version}` : ''}`,
    `Description in package.json: ${templateTagline(record)}`,
    facts.bin.length > 0 ? `Commands: ${facts.bin.map((b) => b.name).join(', ')}` : '',
    facts.scripts.length > 0 ? `Scripts: ${facts.scripts.map((s) => s.name).join(', ')}` : '',
    `Dependencies: ${
      facts.dependencies
        .filter((d) => d.kind !== 'devDependencies')
        .map((d) => d.name)
        .join(', ') || 'none'
    }`,
    record.workspace.dependents.length > 0
      ? `Used by: ${record.workspace.dependents.map((d) => d.name).join(', ')}`
      : '',
    'Exported API:',
    ...symbols.slice(0, MAX_PROMPT_SYMBOLS),
    symbols.length > MAX_PROMPT_SYMBOLS ? `(${symbols.length - MAX_PROMPT_SYMBOLS} more)` : '',
  ];
  return lines.filter((line) => line !== '').join('\n');
}
