// Function ids do not depend on line numbers, so moving code around (or
// editing the code above a function) keeps its id, its cluster id and its
// task file; same-named duplicates are told apart in source order.
import { describe, expect, it } from 'vitest';
import { extractFunctions } from '../../runners/simtask/extract.js';

const BODY = `export function total(xs: number[]) { return xs.reduce((a, b) => a + b, 0); }
export class Box { open() { return 1; } }`;

describe('scan: stable ids', () => {
  it('keeps ids when lines move', () => {
    const before = extractFunctions('src/a.ts', BODY).map((r) => r.id);
    const after = extractFunctions('src/a.ts', `// a new header\n\nimport x from './x.js';\n\n${BODY}`).map(
      (r) => r.id,
    );
    expect(after).toEqual(before);
    expect(before).toEqual(['src/a.ts#total:function', 'src/a.ts#Box.open:method']);
  });

  it('keeps the code hash when only comments or layout change', () => {
    const [a] = extractFunctions('src/a.ts', 'function f(x) { return x + 1; }');
    const [b] = extractFunctions('src/a.ts', 'function f(x) {\n  // one more\n  return x + 1;\n}');
    expect(b?.codeHash).toBe(a?.codeHash);
  });

  it('numbers same-named functions of one kind in source order', () => {
    const source =
      'if (a) { } function f() { return 1; }\nfunction f() { return 2; }\nconst g = { f() { return 3; } };';
    expect(extractFunctions('src/b.js', source).map((r) => r.id)).toEqual([
      'src/b.js#f:function',
      'src/b.js#f:function~2',
      'src/b.js#g.f:object-method',
    ]);
  });
});
