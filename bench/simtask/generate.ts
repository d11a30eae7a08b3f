// A generated TypeScript codebase for simtask's benchmark and large tests:
// `files` modules of `functionsPerFile` functions each. Bodies come from a
// random grammar with the variety of real code (declarations, destructuring,
// loops, switches, try/catch, callbacks, early returns, object and template
// literals) over a vocabulary of pseudo-words as large as a real codebase's,
// so unrelated functions differ as real ones do. Planted families of
// near-duplicates are copies with renamed identifiers, a swapped pair of
// independent statements and changed literals, placed in other files.
// Seeded: the same options give the same bytes.

import { mulberry32 } from '../../runners/lib/random.js';

export interface GeneratedFile {
  path: string;
  text: string;
}

export interface Codebase {
  files: GeneratedFile[];
  /** Function names of each planted family (original first). */
  families: string[][];
}

export interface GenerateOptions {
  files: number;
  functionsPerFile: number;
  seed?: number;
  /** Share of functions that start a family of copies. */
  familyShare?: number;
}

const SYLLABLES =
  'ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zi zo'.split(
    ' ',
  );
const VERBS =
  'apply build check collect compute convert count create find flush format load merge normalize parse pick read reduce render resolve score select sort split sum update validate write'.split(
    ' ',
  );
const METHODS = [
  'push',
  'map',
  'filter',
  'slice',
  'join',
  'get',
  'set',
  'has',
  'trim',
  'includes',
  'indexOf',
  'concat',
  'reduce',
  'some',
  'every',
  'find',
  'split',
  'replace',
  'add',
  'delete',
];
const OPERATORS = ['+', '-', '*', '/', '%', '<', '>', '<=', '>=', '===', '!==', '&&', '||', '??'];

type Random = () => number;
type Names = (name: string) => string;
type Literals = (literal: string) => string;

/** A statement that can be printed with renamed identifiers and changed literals (for copies). */
interface Statement {
  defines: string[];
  uses: string[];
  render(names: Names, literals: Literals, indent: string): string;
}

interface Expression {
  uses: string[];
  render(names: Names, literals: Literals): string;
}

interface FunctionSpec {
  name: string;
  isAsync: boolean;
  params: string[];
  body: Statement[];
}

export function generateCodebase(options: GenerateOptions): Codebase {
  const random = mulberry32(options.seed ?? 1);
  const familyShare = options.familyShare ?? 0.08;
  const slots: string[][] = Array.from({ length: options.files }, () => []);
  const families: string[][] = [];
  const free: number[] = [];
  for (let f = 0; f < options.files; f++) for (let i = 0; i < options.functionsPerFile; i++) free.push(f);
  shuffle(free, random);
  let serial = 0;
  while (free.length > 0) {
    const spec = randomFunction(random, serial++);
    slots[free.pop() as number]?.push(
      render(
        spec,
        (n) => n,
        (l) => l,
        spec.name,
      ),
    );
    if (random() >= familyShare) continue;
    const family = [spec.name];
    families.push(family);
    for (let c = 0, copies = 1 + Math.floor(random() * 3); c < copies && free.length > 0; c++) {
      const renames = new Map<string, string>();
      const rename: Names = (n) => {
        if (!renames.has(n)) renames.set(n, random() < 0.7 ? identifier(random) : n);
        return renames.get(n) as string;
      };
      const literal: Literals = (l) =>
        random() < 0.6 ? l : /^\d+$/.test(l) ? String(Number(l) + 1 + Math.floor(random() * 9)) : `'${word(random)}'`;
      const name = `${pick(random, VERBS)}${capital(word(random))}${serial++}`;
      family.push(name);
      slots[free.pop() as number]?.push(
        render({ ...spec, body: swapIndependent(spec.body, random) }, rename, literal, name),
      );
    }
  }
  const files = slots.map((functions, f) => ({
    path: `src/module-${String(Math.floor(f / 100)).padStart(2, '0')}/file-${String(f).padStart(4, '0')}.ts`,
    text: `// Generated for the simtask benchmark.\n\n${functions.join('\n\n')}\n`,
  }));
  return { files, families };
}

function render(spec: FunctionSpec, names: Names, literals: Literals, name: string): string {
  const params = spec.params.map((p) => `${names(p)}: any`).join(', ');
  const body = spec.body.map((s) => s.render(names, literals, '  ')).join('\n');
  return `export ${spec.isAsync ? 'async ' : ''}function ${name}(${params}): ${spec.isAsync ? 'Promise<unknown>' : 'unknown'} {\n${body}\n}`;
}

function randomFunction(random: Random, serial: number): FunctionSpec {
  const params = Array.from({ length: 1 + Math.floor(random() * 3) }, () => identifier(random));
  const scope = [...params];
  const isAsync = random() < 0.2;
  const body = Array.from({ length: 2 + Math.floor(random() * 5) }, () => randomStatement(random, scope, 0, isAsync));
  const result = randomExpression(random, scope, 1);
  body.push({ defines: [], uses: result.uses, render: (n, l, indent) => `${indent}return ${result.render(n, l)};` });
  return {
    name: `${pick(random, VERBS)}${capital(word(random))}${capital(word(random))}${serial}`,
    isAsync,
    params,
    body,
  };
}

/** One statement; declarations add their names to `scope` (blocks get a copy). */
function randomStatement(random: Random, scope: string[], depth: number, isAsync: boolean): Statement {
  const block = (inner: string[]): Statement[] =>
    Array.from({ length: 1 + Math.floor(random() * 2) }, () => randomStatement(random, inner, depth + 1, isAsync));
  const print = (list: Statement[], n: Names, l: Literals, indent: string): string =>
    list.map((s) => s.render(n, l, `${indent}  `)).join('\n');
  const kinds = depth > 0 ? 4 : 12;
  const name = identifier(random);
  switch (Math.floor(random() * kinds)) {
    case 0:
    case 1: {
      const value = randomExpression(random, scope, 0);
      const keyword = random() < 0.7 ? 'const' : 'let';
      const wait = isAsync && random() < 0.3 ? 'await ' : '';
      scope.push(name);
      return {
        defines: [name],
        uses: value.uses,
        render: (n, l, i) => `${i}${keyword} ${n(name)} = ${wait}${value.render(n, l)};`,
      };
    }
    case 2: {
      const target = pick(random, scope);
      const value = randomExpression(random, scope, 1);
      const method = pick(random, METHODS);
      return {
        defines: [],
        uses: [target, ...value.uses],
        render: (n, l, i) => `${i}${n(target)}.${method}(${value.render(n, l)});`,
      };
    }
    case 3: {
      const condition = randomExpression(random, scope, 1);
      const value = randomExpression(random, scope, 2);
      return {
        defines: [],
        uses: [...condition.uses, ...value.uses],
        render: (n, l, i) => `${i}if (!${condition.render(n, l)}) return ${value.render(n, l)};`,
      };
    }
    case 4: {
      const [first, second] = [identifier(random), identifier(random)];
      const source = pick(random, scope);
      scope.push(first, second);
      return {
        defines: [first, second],
        uses: [source],
        render: (n, _l, i) => `${i}const { ${n(first)}, ${n(second)} } = ${n(source)};`,
      };
    }
    case 5: {
      const list = pick(random, scope);
      const body = block([...scope, name]);
      return {
        defines: [],
        uses: [list],
        render: (n, l, i) => `${i}for (const ${n(name)} of ${n(list)}) {\n${print(body, n, l, i)}\n${i}}`,
      };
    }
    case 6: {
      const condition = randomExpression(random, scope, 1);
      const then = block([...scope]);
      const otherwise = random() < 0.5 ? block([...scope]) : [];
      return {
        defines: [],
        uses: condition.uses,
        render: (n, l, i) =>
          `${i}if (${condition.render(n, l)}) {\n${print(then, n, l, i)}\n${i}}${otherwise.length > 0 ? ` else {\n${print(otherwise, n, l, i)}\n${i}}` : ''}`,
      };
    }
    case 7: {
      const subject = pick(random, scope);
      const cases = Array.from({ length: 2 + Math.floor(random() * 3) }, () => ({
        label: `'${word(random)}'`,
        body: block([...scope]),
      }));
      return {
        defines: [],
        uses: [subject],
        render: (n, l, i) =>
          `${i}switch (${n(subject)}) {\n${cases.map((c) => `${i}  case ${l(c.label)}:\n${print(c.body, n, l, `${i}  `)}\n${i}    break;`).join('\n')}\n${i}  default:\n${i}    break;\n${i}}`,
      };
    }
    case 8: {
      const body = block([...scope]);
      const subject = pick(random, scope);
      const message = word(random);
      return {
        defines: [],
        uses: [subject],
        render: (n, l, i) =>
          `${i}try {\n${print(body, n, l, i)}\n${i}} catch (error) {\n${i}  throw new Error(\`${message} \${${n(subject)}}: \${String(error)}\`);\n${i}}`,
      };
    }
    case 9: {
      const list = pick(random, scope);
      const field = word(random);
      const method = pick(random, ['map', 'filter', 'some', 'find']);
      const operator = pick(random, OPERATORS);
      scope.push(name);
      return {
        defines: [name],
        uses: [list],
        render: (n, _l, i) =>
          `${i}const ${n(name)} = ${n(list)}.${method}((entry) => entry.${field} ${operator} ${n(list)}.length);`,
      };
    }
    case 10: {
      const fields = Array.from({ length: 2 + Math.floor(random() * 3) }, () => ({
        key: word(random),
        value: randomExpression(random, scope, 2),
      }));
      scope.push(name);
      return {
        defines: [name],
        uses: fields.flatMap((f) => f.value.uses),
        render: (n, l, i) =>
          `${i}const ${n(name)} = { ${fields.map((f) => `${f.key}: ${f.value.render(n, l)}`).join(', ')} };`,
      };
    }
    default: {
      const counter = identifier(random);
      const limit = randomExpression(random, scope, 2);
      const body = block([...scope, counter]);
      return {
        defines: [],
        uses: limit.uses,
        render: (n, l, i) =>
          `${i}let ${n(counter)} = 0;\n${i}while (${n(counter)} < ${limit.render(n, l)}) {\n${print(body, n, l, i)}\n${i}  ${n(counter)}++;\n${i}}`,
      };
    }
  }
}

function randomExpression(random: Random, scope: string[], depth: number): Expression {
  const roll = Math.floor(random() * (depth > 2 ? 3 : 9));
  switch (roll) {
    case 0: {
      const name = pick(random, scope);
      return { uses: [name], render: (n) => n(name) };
    }
    case 1: {
      const value = random() < 0.6 ? String(Math.floor(random() * 100)) : `'${word(random)}'`;
      return { uses: [], render: (_n, l) => l(value) };
    }
    case 2: {
      const name = pick(random, scope);
      const field = word(random);
      const optional = random() < 0.3 ? '?.' : '.';
      return { uses: [name], render: (n) => `${n(name)}${optional}${field}` };
    }
    case 3:
    case 4: {
      const left = randomExpression(random, scope, depth + 1);
      const right = randomExpression(random, scope, depth + 1);
      const operator = pick(random, OPERATORS);
      return {
        uses: [...left.uses, ...right.uses],
        render: (n, l) => `${left.render(n, l)} ${operator} ${right.render(n, l)}`,
      };
    }
    case 5: {
      const target = randomExpression(random, scope, depth + 1);
      const method = pick(random, METHODS);
      const args = Array.from({ length: Math.floor(random() * 3) }, () => randomExpression(random, scope, depth + 1));
      const receiver = (n: Names, l: Literals): string => {
        const text = target.render(n, l);
        return /^[\w$.?]+$/.test(text) && !/^\d/.test(text) ? text : `(${text})`;
      };
      return {
        uses: [...target.uses, ...args.flatMap((a) => a.uses)],
        render: (n, l) => `${receiver(n, l)}.${method}(${args.map((a) => a.render(n, l)).join(', ')})`,
      };
    }
    case 6: {
      const condition = randomExpression(random, scope, depth + 1);
      const [yes, no] = [randomExpression(random, scope, depth + 1), randomExpression(random, scope, depth + 1)];
      return {
        uses: [...condition.uses, ...yes.uses, ...no.uses],
        render: (n, l) => `(${condition.render(n, l)} ? ${yes.render(n, l)} : ${no.render(n, l)})`,
      };
    }
    case 7: {
      const items = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
        randomExpression(random, scope, depth + 1),
      );
      const kind = pick(random, ['new Set', 'new Map', 'Array.from', '']);
      return {
        uses: items.flatMap((x) => x.uses),
        render: (n, l) => `${kind}([${items.map((x) => x.render(n, l)).join(', ')}])`,
      };
    }
    default: {
      const name = pick(random, scope);
      const label = word(random);
      return { uses: [name], render: (n) => `\`${label}:\${${n(name)}}\`` };
    }
  }
}

/** Swaps one adjacent pair of statements where neither uses what the other defines (the return stays last). */
function swapIndependent(body: Statement[], random: Random): Statement[] {
  const out = [...body];
  const candidates: number[] = [];
  for (let i = 0; i + 2 < out.length; i++) {
    const a = out[i] as Statement;
    const b = out[i + 1] as Statement;
    if (!a.defines.some((d) => b.uses.includes(d)) && !b.defines.some((d) => a.uses.includes(d))) candidates.push(i);
  }
  if (candidates.length > 0) {
    const i = pick(random, candidates);
    [out[i], out[i + 1]] = [out[i + 1] as Statement, out[i] as Statement];
  }
  return out;
}

/** Pseudo-words from syllables: a vocabulary as large as a real codebase's. */
function word(random: Random): string {
  let out = '';
  for (let i = 0, n = 2 + Math.floor(random() * 2); i < n; i++) out += pick(random, SYLLABLES);
  return out;
}

function identifier(random: Random): string {
  return random() < 0.5 ? word(random) : `${word(random)}${capital(word(random))}`;
}

function pick<T>(random: Random, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function shuffle<T>(values: T[], random: Random): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j] as T, values[i] as T];
  }
}
