// Eager option checking shared by the perf classes. Each checker treats
// `undefined` as "use the default" and validates anything else, so an explicit
// `0` or `false` is honoured rather than replaced by the default.
import { inspect } from 'node:util';

export type OptionBag = Readonly<Record<string, unknown>>;

function fail(owner: string, name: string, expectation: string, value: unknown): never {
  throw new TypeError(`${owner}: ${name} must be ${expectation}, got ${inspect(value, { depth: 0 })}`);
}

export function optionBag(owner: string, options: unknown): OptionBag {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail(owner, 'options', 'an object', options);
  }
  return options as OptionBag;
}

export function integerOption(owner: string, bag: OptionBag, name: string, fallback: number, min: number): number {
  const value = bag[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(owner, name, `an integer >= ${min}`, value);
  }
  return value;
}

export function numberOption(owner: string, bag: OptionBag, name: string, fallback: number, min: number): number {
  const value = bag[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    fail(owner, name, `a finite number >= ${min}`, value);
  }
  return value;
}

export function positiveNumberOption(owner: string, bag: OptionBag, name: string): number | undefined {
  const value = bag[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(owner, name, 'a finite number > 0', value);
  }
  return value;
}

export function booleanOption(owner: string, bag: OptionBag, name: string, fallback: boolean): boolean {
  const value = bag[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(owner, name, 'a boolean', value);
  return value;
}

export function stringOption(owner: string, bag: OptionBag, name: string, fallback: string): string {
  const value = bag[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '') fail(owner, name, 'a non-empty string', value);
  return value;
}

export function functionOption<F extends (...args: never[]) => unknown>(
  owner: string,
  bag: OptionBag,
  name: string,
): F | undefined {
  const value = bag[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'function') fail(owner, name, 'a function', value);
  return value as F;
}

export function signalOption(owner: string, bag: OptionBag): AbortSignal | undefined {
  const value = bag.signal;
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) fail(owner, 'signal', 'an AbortSignal', value);
  return value;
}

export function requireFunction<F extends (...args: never[]) => unknown>(
  owner: string,
  name: string,
  value: unknown,
): F {
  if (typeof value !== 'function') fail(owner, name, 'a function', value);
  return value as F;
}
