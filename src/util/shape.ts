// Shape checks for JSON read back from .runner/. A file there may be cut
// short, from another version of runner, or edited by hand; the code that
// reads it relies on the declared types, so each reader checks what it
// parsed before using it (a bad file is a warning and a cold start, never a
// TypeError deep inside a run).
//
// A check returns undefined when the value fits, else the first problem
// (`.stages["p/a"].outputs: expected an array, got null`), its path built
// only on the way back up: a large file that fits allocates nothing here,
// and costs a walk of plain type tests next to its JSON.parse.

export type Check = (value: unknown) => string | undefined;

/**
 * The problem `check` finds in `value`, in words, its path from `root`
 * (`stages["p/a"].outputs: expected an array, got null`); undefined when none.
 */
export function shapeProblem(value: unknown, check: Check, root = ''): string | undefined {
  const problem = check(value);
  if (problem === undefined || root !== '') return problem && `${root}${problem}`;
  return problem.startsWith(': ') ? problem.slice(2) : problem.startsWith('.') ? problem.slice(1) : problem;
}

function expected(what: string, value: unknown): string {
  return `: expected ${what}, got ${describe(value)}`;
}

function describe(value: unknown): string {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value.length <= 40 ? JSON.stringify(value) : 'a long string';
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}

/** Whether `value` says it is of a format other than `current`: another runner's file, not a damaged one. */
export function isOtherFormat(value: unknown, current: number): boolean {
  return isPlainObject(value) && typeof value.format === 'number' && value.format !== current;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const string: Check = (value) => (typeof value === 'string' ? undefined : expected('a string', value));

export const number: Check = (value) =>
  typeof value === 'number' && Number.isFinite(value) ? undefined : expected('a number', value);

/** A whole number >= 0 (a count, an offset). */
export const count: Check = (value) =>
  Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : expected('a count', value);

export const boolean: Check = (value) => (typeof value === 'boolean' ? undefined : expected('a boolean', value));

/** Any JSON value (a param's old and new value). */
export const anything: Check = () => undefined;

/** This value and no other (a format number). */
export function exactly(expectedValue: string | number | boolean): Check {
  return (value) => (value === expectedValue ? undefined : expected(JSON.stringify(expectedValue), value));
}

/** One of these strings. */
export function oneOf(...values: readonly string[]): Check {
  const allowed = new Set(values);
  return (value) =>
    typeof value === 'string' && allowed.has(value) ? undefined : expected(`one of ${values.join(', ')}`, value);
}

/** Absent, or fits `check`. (JSON has no undefined: null is not absent.) */
export function optional(check: Check): Check {
  return (value) => (value === undefined ? undefined : check(value));
}

export function nullable(check: Check): Check {
  return (value) => (value === null ? undefined : check(value));
}

export function arrayOf(item: Check): Check {
  return (value) => {
    if (!Array.isArray(value)) return expected('an array', value);
    for (let i = 0; i < value.length; i++) {
      const problem = item(value[i]);
      if (problem !== undefined) return `[${i}]${problem}`;
    }
    return undefined;
  };
}

/** An array of exactly these items, in this order. */
export function tupleOf(...items: readonly Check[]): Check {
  return (value) => {
    if (!Array.isArray(value) || value.length !== items.length) return expected(`${items.length} items`, value);
    for (let i = 0; i < items.length; i++) {
      const problem = (items[i] as Check)(value[i]);
      if (problem !== undefined) return `[${i}]${problem}`;
    }
    return undefined;
  };
}

/** An object used as a map: any keys, every value fits `check`. */
export function recordOf(check: Check): Check {
  return (value) => {
    if (!isPlainObject(value)) return expected('an object', value);
    for (const key in value) {
      const problem = check(value[key]);
      if (problem !== undefined) return `[${JSON.stringify(key)}]${problem}`;
    }
    return undefined;
  };
}

/** An object with these fields (others are allowed: a newer runner may add some). */
export function objectOf(fields: Readonly<Record<string, Check>>): Check {
  const entries = Object.entries(fields);
  return (value) => {
    if (!isPlainObject(value)) return expected('an object', value);
    for (const [name, check] of entries) {
      const problem = check(value[name]);
      if (problem !== undefined) return `.${name}${problem}`;
    }
    return undefined;
  };
}

/** An object whose `tag` field picks its shape among `variants` (a discriminated union). */
export function unionOf(tag: string, variants: Readonly<Record<string, Check>>): Check {
  return (value) => {
    if (!isPlainObject(value)) return expected('an object', value);
    const kind = value[tag];
    const check = typeof kind === 'string' && Object.hasOwn(variants, kind) ? variants[kind] : undefined;
    if (check === undefined) return `.${tag}${expected(`one of ${Object.keys(variants).join(', ')}`, kind)}`;
    return check(value);
  };
}

/** Fits `check`, and then `test` (which may assume it does). */
export function where(check: Check, test: (value: unknown) => boolean, what: string): Check {
  return (value) => check(value) ?? (test(value) ? undefined : `: expected ${what}`);
}
