// A stage's secret values (its `env` entries marked secret, by name or
// `secret: true`, and secret-named `passEnv` variables) are shown as `***`
// in the lines it logs (what its command prints, ctx.log, an item's
// failure) and in why it failed (stage:end's reason and failure). Those go
// to the terminal, to --json and into the run record (.runner/runs), which
// is kept on disk. A value shorter than SHORTEST is left as it is: masking
// every `1` or `ab` would hide the log, not the secret. Deleting this
// module (and its call in run.ts) logs the lines as they are.
import type { StagePlan } from '../config/types.js';
import type { Emit } from './events.js';

/** The shortest secret value masked. */
const SHORTEST = 4;
const MASK = '***';

/** `emit`, with each stage's secret values masked in its stage:log lines and its stage:end's reason and failure. */
export function maskingSecrets(emit: Emit, stages: readonly StagePlan[]): Emit {
  const secrets = new Map<string, string[]>();
  for (const stage of stages) {
    const values = stage.definition.env
      .filter((entry) => entry.isSecret && entry.value.length >= SHORTEST)
      .map((entry) => entry.value)
      // The longest first: a secret that holds another is masked whole.
      .sort((a, b) => b.length - a.length);
    if (values.length > 0) secrets.set(`${stage.pipeline}/${stage.name}`, values);
  }
  if (secrets.size === 0) return emit;
  return (event) => {
    const values = 'stage' in event ? secrets.get(`${event.pipeline}/${event.stage}`) : undefined;
    if (values === undefined) return emit(event);
    if (event.event === 'stage:log') return emit({ ...event, line: masked(event.line, values) });
    if (event.event === 'stage:end')
      return emit({
        ...event,
        reason: masked(event.reason, values),
        ...(event.failure ? { failure: maskedDeep(event.failure, values) } : {}),
      });
    emit(event);
  };
}

function masked(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (out.includes(value)) out = out.replaceAll(value, MASK);
  return out;
}

/** `value` with every string in it masked (a failure: its message, its stack, its items' messages). */
function maskedDeep<T>(value: T, values: readonly string[]): T {
  if (typeof value === 'string') return masked(value, values) as T;
  if (Array.isArray(value)) return value.map((item) => maskedDeep(item, values)) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskedDeep(item, values)])) as T;
  return value;
}
