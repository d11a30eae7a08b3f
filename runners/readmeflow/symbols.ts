// The exported API of a package's entry points, with the TypeScript
// compiler API: names and one-line signatures, no docs, no bodies.
// Signatures are printed as written where the source annotates them (the
// author's contract, and readable even when a type comes from a package the
// program cannot see) and inferred by the checker where it does not (plain
// JS, unannotated returns). The program sees only the package's own files
// and the standard library: an import of another package stays unresolved,
// so the result depends on nothing but the package's files, which is what
// scan's item cache is keyed on. A re-export from another package is listed
// as such (`export * from '@example/core'`), not expanded.
import path from 'node:path';
import type TS from 'typescript';
import { ts } from '../lib/typescript.js';
import type { ExportedSymbol, SymbolKind } from './types.js';
import { compare } from './util.js';
import { createPackageHost } from './ts-host.js';

const MAX_SIGNATURE = 200;
const MAX_MEMBERS = 30;
const TYPE_FLAGS = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.WriteArrowStyleSignature;

export const COMPILER_OPTIONS: TS.CompilerOptions = {
  allowJs: true,
  checkJs: false,
  noEmit: true,
  skipLibCheck: true,
  strict: true,
  types: [],
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  jsx: ts.JsxEmit.Preserve,
  resolveJsonModule: true,
};

/** Exported symbols of each entry file (package-relative paths), keyed by that path. */
export function extractExports(packageDir: string, entryFiles: readonly string[]): Map<string, ExportedSymbol[]> {
  const out = new Map<string, ExportedSymbol[]>();
  if (entryFiles.length === 0) return out;
  const rootNames = entryFiles.map((file) => path.join(packageDir, file));
  const program = ts.createProgram({
    rootNames,
    options: COMPILER_OPTIONS,
    host: createPackageHost(packageDir, COMPILER_OPTIONS),
  });
  const checker = program.getTypeChecker();
  for (const [i, file] of entryFiles.entries()) {
    const source = program.getSourceFile(rootNames[i] ?? '');
    out.set(file, source ? moduleExports(source, checker) : []);
  }
  return out;
}

function moduleExports(source: TS.SourceFile, checker: TS.TypeChecker): ExportedSymbol[] {
  // A CommonJS file (`module.exports = ...`) has its module symbol on the file node only.
  const moduleSymbol = checker.getSymbolAtLocation(source) ?? (source as TS.SourceFile & { symbol?: TS.Symbol }).symbol;
  let symbols = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
  const exportEquals = moduleSymbol?.exports?.get(ts.InternalSymbolName.ExportEquals);
  // `module.exports = { add }` / `export = { add }`: the API is the object's properties.
  if (symbols.length === 0 && exportEquals)
    symbols = checker.getPropertiesOfType(checker.getTypeOfSymbolAtLocation(exportEquals, source));
  const found = symbols.map((symbol) => describe(symbol.name, symbol, checker));
  found.sort((a, b) => rank(a) - rank(b) || compare(a.name, b.name));
  for (const statement of source.statements) {
    // `export * from 'other-package'`: the program cannot see inside, so it says where to look.
    if (
      ts.isExportDeclaration(statement) &&
      !statement.exportClause &&
      statement.moduleSpecifier &&
      !checker.getSymbolAtLocation(statement.moduleSpecifier)
    ) {
      found.push({ name: '*', kind: 're-export', signature: compact(statement.getText(source)).replace(/;$/, '') });
    }
  }
  return found;
}

function rank(symbol: ExportedSymbol): number {
  return symbol.name === 'default' ? 0 : 1;
}

function describe(name: string, exported: TS.Symbol, checker: TS.TypeChecker): ExportedSymbol {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const declarations = symbol.declarations ?? [];
  const first = declarations[0];
  if (!first) return reExport(name, exported);
  const source = first.getSourceFile();
  const text = (node: TS.Node): string => compact(node.getText(source));
  const typeParams = (node: { typeParameters?: TS.NodeArray<TS.TypeParameterDeclaration> }): string =>
    node.typeParameters ? `<${node.typeParameters.map(text).join(', ')}>` : '';

  const functions = declarations.filter(ts.isFunctionDeclaration);
  if (functions.length > 0) {
    const overloads = functions.length > 1 ? functions.filter((f) => !f.body) : functions;
    // `export default function greet()` reads better as `function greet` than as `function default`.
    const shown = name === 'default' ? (functions[0]?.name?.text ?? name) : name;
    const signatures = overloads.map((f) => `function ${shown}${typeParams(f)}${callSignature(f, checker)}`);
    return { name, kind: 'function', signature: signatures.join('\n') };
  }
  const cls = declarations.find(
    (d): d is TS.ClassLikeDeclaration => ts.isClassDeclaration(d) || ts.isClassExpression(d),
  );
  if (cls) {
    const isAbstract = ts.getCombinedModifierFlags(cls) & ts.ModifierFlags.Abstract ? 'abstract ' : '';
    const heritage = (cls.heritageClauses ?? []).map(text).join(' ');
    return withMembers(
      {
        name,
        kind: 'class',
        signature: clip(`${isAbstract}class ${name}${typeParams(cls)}${heritage ? ` ${heritage}` : ''}`),
      },
      classMembers(cls, checker),
    );
  }
  const interfaces = declarations.filter(ts.isInterfaceDeclaration);
  if (interfaces[0]) {
    const heritage = (interfaces[0].heritageClauses ?? []).map(text).join(' ');
    const members = interfaces.flatMap((i) => i.members.map((m) => clip(text(m).replace(/[;,]$/, ''))));
    return withMembers(
      {
        name,
        kind: 'interface',
        signature: clip(`interface ${name}${typeParams(interfaces[0])}${heritage ? ` ${heritage}` : ''}`),
      },
      members,
    );
  }
  if (ts.isTypeAliasDeclaration(first))
    return { name, kind: 'type', signature: clip(`type ${name}${typeParams(first)} = ${text(first.type)}`) };
  if (ts.isEnumDeclaration(first)) {
    const isConst = ts.getCombinedModifierFlags(first) & ts.ModifierFlags.Const ? 'const ' : '';
    return withMembers(
      { name, kind: 'enum', signature: `${isConst}enum ${name}` },
      first.members.map((m) => clip(text(m))),
    );
  }
  if (ts.isVariableDeclaration(first)) {
    const flags = ts.getCombinedNodeFlags(first);
    const kind: SymbolKind = flags & ts.NodeFlags.Const ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var';
    return { name, kind, signature: clip(`${kind} ${name}: ${variableType(first, symbol, checker)}`) };
  }
  if (symbol.flags & ts.SymbolFlags.Module) {
    const members = checker
      .getExportsOfModule(symbol)
      .map((s) => s.name)
      .sort(compare);
    return withMembers({ name, kind: 'namespace', signature: `namespace ${name}` }, members);
  }
  const type = checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, first), first, TYPE_FLAGS);
  if (ts.isExportAssignment(first)) return { name, kind: 'const', signature: clip(`export default ${type}`) };
  return { name, kind: 'const', signature: clip(`const ${name}: ${type}`) };
}

/** `(a: string, b?: number): R`, annotations as written, the checker's types where there are none. */
function callSignature(
  node: TS.SignatureDeclaration,
  checker: TS.TypeChecker,
  style: 'colon' | 'arrow' | 'no-return' = 'colon',
): string {
  const source = node.getSourceFile();
  const params = node.parameters.map((p) => {
    const rest = p.dotDotDotToken ? '...' : '';
    const optional = !p.dotDotDotToken && (p.questionToken || p.initializer) ? '?' : '';
    const type = p.type
      ? compact(p.type.getText(source))
      : checker.typeToString(checker.getTypeAtLocation(p), p, TYPE_FLAGS);
    return `${rest}${compact(p.name.getText(source))}${optional}: ${type}`;
  });
  if (style === 'no-return') return clip(`(${params.join(', ')})`);
  let returns: string;
  if (node.type) returns = compact(node.type.getText(source));
  else {
    const signature = checker.getSignatureFromDeclaration(node);
    returns = signature
      ? checker.typeToString(checker.getReturnTypeOfSignature(signature), node, TYPE_FLAGS)
      : 'unknown';
  }
  return clip(`(${params.join(', ')})${style === 'arrow' ? ' =>' : ':'} ${returns}`);
}

function variableType(declaration: TS.VariableDeclaration, symbol: TS.Symbol, checker: TS.TypeChecker): string {
  if (declaration.type) return compact(declaration.type.getText(declaration.getSourceFile()));
  const init = declaration.initializer;
  if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
    const typeParams = init.typeParameters
      ? `<${init.typeParameters.map((t) => compact(t.getText())).join(', ')}>`
      : '';
    return `${typeParams}${callSignature(init, checker, 'arrow')}`;
  }
  return checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, declaration), declaration, TYPE_FLAGS);
}

/** Public members of a class: constructor, methods, accessors and properties, without bodies. */
function classMembers(cls: TS.ClassLikeDeclaration, checker: TS.TypeChecker): string[] {
  // With overloads, the overload signatures are the API and the implementation's is not.
  const counts = new Map<string, number>();
  const keyOf = (member: TS.ClassElement): string =>
    ts.isConstructorDeclaration(member) ? 'constructor' : (member.name?.getText() ?? '');
  for (const member of cls.members) {
    if (ts.isConstructorDeclaration(member) || ts.isMethodDeclaration(member))
      counts.set(keyOf(member), (counts.get(keyOf(member)) ?? 0) + 1);
  }
  const members: string[] = [];
  for (const member of cls.members) {
    const flags = ts.getCombinedModifierFlags(member as TS.Declaration);
    if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
    if (member.name && ts.isPrivateIdentifier(member.name)) continue;
    const isImplementationOfOverloads =
      (ts.isConstructorDeclaration(member) || ts.isMethodDeclaration(member)) &&
      member.body !== undefined &&
      (counts.get(keyOf(member)) ?? 0) > 1;
    if (isImplementationOfOverloads) continue;
    const prefix = `${flags & ts.ModifierFlags.Static ? 'static ' : ''}${flags & ts.ModifierFlags.Abstract ? 'abstract ' : ''}`;
    const name = member.name ? compact(member.name.getText()) : '';
    if (ts.isConstructorDeclaration(member)) members.push(`constructor${callSignature(member, checker, 'no-return')}`);
    else if (ts.isMethodDeclaration(member))
      members.push(`${prefix}${name}${member.questionToken ? '?' : ''}${callSignature(member, checker)}`);
    else if (ts.isGetAccessorDeclaration(member)) members.push(`${prefix}get ${name}${callSignature(member, checker)}`);
    else if (ts.isSetAccessorDeclaration(member))
      members.push(`${prefix}set ${name}${callSignature(member, checker, 'no-return')}`);
    else if (ts.isPropertyDeclaration(member)) {
      const readonly = flags & ts.ModifierFlags.Readonly ? 'readonly ' : '';
      const type = member.type
        ? compact(member.type.getText())
        : checker.typeToString(checker.getTypeAtLocation(member), member, TYPE_FLAGS);
      members.push(`${prefix}${readonly}${name}${member.questionToken ? '?' : ''}: ${type}`);
    }
  }
  return members.map(clip);
}

function withMembers(symbol: ExportedSymbol, members: string[]): ExportedSymbol {
  if (members.length === 0) return symbol;
  const shown = members.slice(0, MAX_MEMBERS);
  if (members.length > MAX_MEMBERS) shown.push(`// ${members.length - MAX_MEMBERS} more`);
  return { ...symbol, members: shown };
}

/** An export whose declaration lives in a module the program cannot see (another package). */
function reExport(name: string, exported: TS.Symbol): ExportedSymbol {
  const specifier = exported.declarations?.find(ts.isExportSpecifier);
  const from = specifier?.parent.parent.moduleSpecifier;
  const module = from && ts.isStringLiteral(from) ? ` from '${from.text}'` : '';
  return {
    name,
    kind: 're-export',
    signature: `export { ${specifier ? compact(specifier.getText()) : name} }${module}`,
  };
}

/** One line: whitespace runs to one space, none inside brackets, no trailing comma before a closing one. */
function compact(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/([([]) /g, '$1')
    .replace(/,? ([)\]])/g, '$1')
    .trim();
}

function clip(text: string): string {
  return text.length > MAX_SIGNATURE ? `${text.slice(0, MAX_SIGNATURE - 1)}…` : text;
}
