// Shape checks for JSON read back from .runner/. A file there may be cut
// short, from another version of runner, or edited by hand; the code that
// reads it relies on the declared types, so each reader checks what it
// parsed before using it (a bad file is a warning and a cold start, never a
// TypeError deep inside a run).
//
// A check returns undefined when the value fits, else the first problem
// (`.stages["p/a"].outputs: expected an array, got null`), its path built
// only on the way back up: a large file that fits allocates nothing here.
// The checks run once per process, mostly before V8 has optimised them, so
// they are plain indexed loops, and string, number and boolean fields and
// items are tested inline rather than through a call each. (The outputs of
// state.json, by far the most objects, have a hand-written test of their
// own: the whole file then costs about 40% of its JSON.parse, 4 ms at
// 2.6 MB and 20,000 outputs.)

export type Check = (value: unknown) => string | undefined;

/** A check that is a `typeof` test, which objectOf makes inline. */
type TypeCheck = Check & { readonly jsType: 'string' | 'number' | 'boolean' };

function typeCheck(jsType: TypeCheck['jsType'], what: string): TypeCheck {
  const check: Check = (value) => (typeof value === jsType ? undefined : expected(what, value));
  return Object.assign(check, { jsType });
}

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

export const string: Check = typeCheck('string', 'a string');

/** Any number (JSON has no NaN or Infinity). */
export const number: Check = typeCheck('number', 'a number');

/** A whole number >= 0 (a count, an offset). */
export const count: Check = (value) =>
  Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : expected('a count', value);

export const boolean: Check = typeCheck('boolean', 'a boolean');

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
  const jsType = (item as Partial<TypeCheck>).jsType;
  return (value) => {
    if (!Array.isArray(value)) return expected('an array', value);
    for (let i = 0; i < value.length; i++) {
      if (jsType !== undefined && typeof value[i] === jsType) continue;
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
  const names = Object.keys(fields);
  const checks = Object.values(fields);
  const jsTypes = checks.map((check) => (check as Partial<TypeCheck>).jsType);
  return (value) => {
    if (!isPlainObject(value)) return expected('an object', value);
    for (let i = 0; i < names.length; i++) {
      const field = value[names[i] as string];
      const jsType = jsTypes[i];
      if (jsType !== undefined && typeof field === jsType) continue;
      const problem = (checks[i] as Check)(field);
      if (problem !== undefined) return `.${names[i]}${problem}`;
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
