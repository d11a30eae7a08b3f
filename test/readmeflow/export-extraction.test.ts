// scan's API extraction (TypeScript compiler API) on a package that uses
// most of the language: every export of every entry point, with one-line
// signatures as written (inferred where nothing is written), public class
// members only, overloads instead of implementations, interfaces merged,
// re-exports followed inside the package and named (not expanded) when
// they come from another package, and CommonJS `module.exports` objects.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanPackage } from '../../runners/readmeflow/package-facts.js';
import type { ExportedSymbol } from '../../runners/readmeflow/types.js';
import { REPO } from '../e2e/rig.js';

const ctx = {
  workspace: {
    root: REPO,
    stateDir: path.join(REPO, '.runner'),
    tmp: REPO,
    resolve: (p: string) => path.join(REPO, p),
  },
  log: () => {},
};
const facts = scanPackage({ dir: 'test/fixtures/readmeflow/exports', name: '@fx/exports' } as never, ctx);
const bySubpath = new Map(facts.entries.map((e) => [e.subpath, e]));
const symbol = (name: string, subpath = '.'): ExportedSymbol | undefined =>
  bySubpath.get(subpath)?.symbols.find((s) => s.name === name);

describe('export extraction', () => {
  it('maps exports conditions to sources, skipping files that are not modules', () => {
    expect(facts.entries.map((e) => [e.subpath, e.target, e.source ?? null])).toEqual([
      ['.', './build/index.d.ts', 'src/index.ts'],
      ['./legacy', './lib/legacy.cjs', 'lib/legacy.cjs'],
      ['./extras/*', './build/extras/*.js', null],
    ]);
    expect(bySubpath.get('./extras/*')?.problem).toBe('a subpath pattern: its modules are not listed one by one');
  });

  it('lists every export of the main entry, default first, then by name', () => {
    expect(bySubpath.get('.')?.symbols.map((s) => `${s.kind} ${s.name}`)).toEqual([
      'function default',
      'enum Color',
      'const DEFAULTS',
      'enum Flag',
      'type Level',
      'interface Options',
      're-export RenamedThing',
      'class Store',
      'let counter',
      'const double',
      'function load',
      'function more',
      'namespace nested',
      'function parse',
      're-export *',
    ]);
  });

  it('prints functions as declared, with overloads and inferred returns', () => {
    expect(symbol('parse')?.signature).toBe(
      'function parse(text: string): number\nfunction parse(text: string, radix: number): number',
    );
    expect(symbol('load')?.signature).toBe('function load<T extends object>(url: URL, init?: RequestInit): Promise<T>');
    expect(symbol('default')?.signature).toBe('function main(argv?: readonly string[]): number');
    expect(symbol('double')?.signature).toBe('const double: (n: number) => number');
  });

  it('keeps public class members and drops private, protected and #private ones', () => {
    expect(symbol('Store')).toEqual({
      name: 'Store',
      kind: 'class',
      signature: 'abstract class Store<K, V> extends Map<K, V> implements Iterable<[K, V]>',
      members: [
        'static readonly kind: "store"',
        'readonly name: string',
        'constructor(name: string)',
        'constructor(name: string, entries: [K, V][])',
        'get size2(): number',
        'abstract flush(force?: boolean): Promise<void>',
      ],
    });
  });

  it('merges interfaces and prints types and enums on one line each', () => {
    expect(symbol('Options')?.members).toEqual([
      'retries?: number',
      'onRetry(attempt: number): void',
      'timeoutMs: number',
    ]);
    expect(symbol('Level')?.signature).toBe("type Level = 'debug' | 'info' | 'warn'");
    expect(symbol('Flag')).toEqual({
      name: 'Flag',
      kind: 'enum',
      signature: 'const enum Flag',
      members: ['A = 1 << 0', 'B = 1 << 1'],
    });
  });

  it('follows re-exports inside the package and names those from other packages', () => {
    expect(symbol('more')?.signature).toBe('function more(): boolean');
    expect(symbol('nested')).toEqual({
      name: 'nested',
      kind: 'namespace',
      signature: 'namespace nested',
      members: ['VERSION', 'helper'],
    });
    expect(symbol('RenamedThing')?.signature).toBe("export { Thing as RenamedThing } from 'another-package'");
    expect(symbol('*')?.signature).toBe("export * from 'some-other-package'");
  });

  it('reads the API of a CommonJS module from module.exports', () => {
    expect(bySubpath.get('./legacy')?.symbols).toEqual([
      { name: 'NAME', kind: 'const', signature: 'const NAME: string' },
      { name: 'add', kind: 'const', signature: 'const add: (a: any, b: any) => any' },
    ]);
  });
});
