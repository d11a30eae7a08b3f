// scan's extraction: which functions become records, with what names,
// kinds, export flags, signatures, lines and code.
import { describe, expect, it } from 'vitest';
import { extractFunctions } from '../../runners/simtask/extract.js';

const SOURCE = `import type { Item } from './item.js';

/** Adds prices. */
export function sumPrices(items: Item[], rate = 0.2): number {
  let total = 0; // running
  for (const item of items) total += item.price;
  return total * (1 + rate);
}

const add = async (a: number, b = 2): Promise<number> => a + b;
let count = 0, twice = function (x) { return x * 2; };
export default () => 42;

export class Cart<T> {
  constructor(private items: T[]) {}
  get size(): number { return this.items.length; }
  #secret() { return 1; }
  private hidden() { return 2; }
  handle = (event: Event) => { return String(event); };
  static of<U>(items: U[]): Cart<U> { return new Cart(items); }
}

export const api = {
  get(url: string) { return fetch(url); },
  nested: { post: (url: string) => fetch(url, { method: 'POST' }) },
};

namespace Tools { export function inner() { function hidden() { return 0; } return hidden(); } }
declare function ambient(x: number): void;
function overloaded(x: string): string;
function overloaded(x: unknown) { return x; }
export { add };
`;

describe('scan: extraction', () => {
  const records = extractFunctions('src/shop/cart.ts', SOURCE);
  const byId = new Map(records.map((r) => [r.id, r]));

  it('finds declarations, bound arrows and function expressions, class and object-literal methods', () => {
    expect(records.map((r) => `${r.qualifiedName}:${r.kind}`)).toEqual([
      'sumPrices:function',
      'add:arrow',
      'twice:function-expression',
      'default:arrow',
      'Cart.constructor:constructor',
      'Cart.size:getter',
      'Cart.#secret:method',
      'Cart.hidden:method',
      'Cart.handle:method',
      'Cart.of:method',
      'api.get:object-method',
      'api.nested.post:object-method',
      'Tools.inner:function',
      'overloaded:function',
    ]);
  });

  it('skips functions nested in a function body, ambient declarations and overload signatures', () => {
    expect(records.some((r) => r.name === 'hidden' && r.kind === 'function')).toBe(false);
    expect(records.some((r) => r.name === 'ambient')).toBe(false);
    expect(records.filter((r) => r.name === 'overloaded')).toHaveLength(1);
  });

  it('builds ids from file, qualified name and kind', () => {
    expect(byId.has('src/shop/cart.ts#sumPrices:function')).toBe(true);
    expect(byId.has('src/shop/cart.ts#Cart.size:getter')).toBe(true);
    expect(byId.get('src/shop/cart.ts#Cart.size:getter')?.className).toBe('Cart');
  });

  it('marks exports: modifiers, export lists, default exports, members of exported classes and objects, not private members', () => {
    const exported = Object.fromEntries(records.map((r) => [r.qualifiedName, r.exported]));
    expect(exported).toMatchObject({
      sumPrices: true,
      add: true,
      twice: false,
      default: true,
      'Cart.size': true,
      'Cart.#secret': false,
      'Cart.hidden': false,
      'api.nested.post': true,
      'Tools.inner': false,
    });
  });

  it('records signatures without bodies, and 1-based lines that include the export keyword but not the doc comment', () => {
    const sum = byId.get('src/shop/cart.ts#sumPrices:function');
    expect(sum?.signature).toBe('sumPrices(items: Item[], rate = 0.2): number');
    expect(byId.get('src/shop/cart.ts#add:arrow')?.signature).toBe('async add(a: number, b = 2): Promise<number>');
    expect(byId.get('src/shop/cart.ts#Cart.of:method')?.signature).toBe('of<U>(items: U[]): Cart<U>');
    expect(sum).toMatchObject({ startLine: 4, endLine: 8 });
    expect(sum?.code.startsWith('export function sumPrices(')).toBe(true);
  });

  it('normalizes code to tokens: no comments, no layout, no type annotations; and hashes it', () => {
    const sum = byId.get('src/shop/cart.ts#sumPrices:function');
    expect(sum?.normalized).toBe(
      'sumPrices ( items , rate = 0.2 ) { let total = 0 ; for ( const item of items ) total += item . price ; return total * ( 1 + rate ) ; }',
    );
    expect(sum?.tokens).toBe(sum?.normalized.split(' ').length);
    expect(sum?.codeHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('handles CommonJS exports, JSX files and template literals', () => {
    const js = extractFunctions(
      'lib/a.js',
      'exports.one = function () { return `a${1 + 2}b`; };\nmodule.exports = { two() { return /x\\/y/.test("z"); } };',
    );
    expect(js.map((r) => `${r.qualifiedName}:${r.exported}`)).toEqual(['one:true', 'two:true']);
    expect(js[0]?.normalized).toBe('one ( ) { return `a${ 1 + 2 }b` ; }');
    expect(js[1]?.normalized).toBe('two ( ) { return /x\\/y/ . test ( "z" ) ; }');
    const tsx = extractFunctions(
      'ui/list.tsx',
      'export const List = (p: { items: string[] }) => <ul>{p.items.map((i) => <li key={i}>{i}</li>)}</ul>;',
    );
    expect(tsx.map((r) => r.qualifiedName)).toEqual(['List']);
  });
});
