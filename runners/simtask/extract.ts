// Functions of one source file, found with the TypeScript parser (one file at
// a time, no program, no type check). Extracted: function declarations,
// function and arrow expressions bound to variables (or to `exports.x` /
// `module.exports`), class methods (constructors, accessors, arrow-valued
// properties) and object-literal methods, at module level and inside
// namespaces, classes and object literals. Functions nested inside another
// function's body are part of that function, not units of their own: a
// consolidation task moves the outer function.
import { createHash } from 'node:crypto';
import type TS from 'typescript';
import { ts } from '../lib/typescript.js';
import { normalizeCode } from './normalize.js';
import type { FunctionKind, ScanRecord } from './types.js';

interface Scope {
  /** Qualified-name prefix: namespaces, class or object names. */
  prefix: string[];
  isExported: boolean;
  className?: string;
}

type FunctionNode = TS.FunctionLikeDeclaration & { body: TS.Node };

export function extractFunctions(file: string, text: string): ScanRecord[] {
  const kind = scriptKind(file);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
  const variant =
    kind === ts.ScriptKind.TSX || kind === ts.ScriptKind.JSX ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard;
  const found: ScanRecord[] = [];
  const exportedNames = exportListNames(source);
  const emit = (options: {
    name: string;
    kind: FunctionKind;
    fn: FunctionNode;
    holder: TS.Node;
    scope: Scope;
    isExported: boolean;
  }): void => {
    const { fn, holder, scope } = options;
    const qualifiedName = [...scope.prefix, options.name].join('.');
    const start = holder.getStart(source);
    const code = text.slice(start, holder.end);
    const body = normalizeCode(text, {
      start: signatureStart(fn, source),
      end: fn.end,
      skip: typeRanges(fn, text),
      variant,
    });
    const normalized = { text: `${options.name} ${body.text}`, tokens: body.tokens + 1 };
    found.push({
      id: `${file}#${qualifiedName}:${options.kind}`,
      file,
      name: options.name,
      qualifiedName,
      kind: options.kind,
      ...(scope.className !== undefined ? { className: scope.className } : {}),
      exported: options.isExported,
      signature: signatureOf(options.name, fn, source),
      startLine: source.getLineAndCharacterOfPosition(start).line + 1,
      endLine: source.getLineAndCharacterOfPosition(holder.end).line + 1,
      tokens: normalized.tokens,
      codeHash: createHash('sha256').update(normalized.text).digest('hex'),
      code,
      normalized: normalized.text,
    });
  };

  const visitValue = (name: string, value: TS.Expression, holder: TS.Node, scope: Scope, isExported: boolean): void => {
    const inner = unwrap(value);
    if (ts.isArrowFunction(inner))
      emit({ name, kind: scope.className ? 'method' : 'arrow', fn: inner, holder, scope, isExported });
    else if (ts.isFunctionExpression(inner))
      emit({ name, kind: scope.className ? 'method' : 'function-expression', fn: inner, holder, scope, isExported });
    else if (ts.isObjectLiteralExpression(inner)) visitObject(inner, { prefix: [...scope.prefix, name], isExported });
    else if (ts.isClassExpression(inner))
      visitClass(inner, inner.name?.text ?? name, { prefix: scope.prefix, isExported });
  };

  const visitObject = (object: TS.ObjectLiteralExpression, scope: Scope): void => {
    for (const property of object.properties) {
      const name = property.name ? memberName(property.name, source) : undefined;
      if (name === undefined) continue;
      if (ts.isMethodDeclaration(property) && property.body)
        emit({
          name,
          kind: 'object-method',
          fn: property as FunctionNode,
          holder: property,
          scope,
          isExported: scope.isExported,
        });
      else if (ts.isGetAccessorDeclaration(property) && property.body)
        emit({
          name,
          kind: 'getter',
          fn: property as FunctionNode,
          holder: property,
          scope,
          isExported: scope.isExported,
        });
      else if (ts.isSetAccessorDeclaration(property) && property.body)
        emit({
          name,
          kind: 'setter',
          fn: property as FunctionNode,
          holder: property,
          scope,
          isExported: scope.isExported,
        });
      else if (ts.isPropertyAssignment(property)) {
        const inner = unwrap(property.initializer);
        if (ts.isArrowFunction(inner) || ts.isFunctionExpression(inner))
          emit({ name, kind: 'object-method', fn: inner, holder: property, scope, isExported: scope.isExported });
        else if (ts.isObjectLiteralExpression(inner))
          visitObject(inner, { prefix: [...scope.prefix, name], isExported: scope.isExported });
      }
    }
  };

  const visitClass = (node: TS.ClassLikeDeclaration, name: string, outer: Scope): void => {
    const scope: Scope = { prefix: [...outer.prefix, name], isExported: outer.isExported, className: name };
    for (const member of node.members) {
      // Private members cannot be called from outside the class: not part of its API.
      const isExported = scope.isExported && !isPrivate(member);
      if (ts.isConstructorDeclaration(member) && member.body)
        emit({
          name: 'constructor',
          kind: 'constructor',
          fn: member as FunctionNode,
          holder: member,
          scope,
          isExported,
        });
      else if (!member.name) continue;
      else if (ts.isMethodDeclaration(member) && member.body)
        emit({
          name: memberName(member.name, source),
          kind: 'method',
          fn: member as FunctionNode,
          holder: member,
          scope,
          isExported,
        });
      else if (ts.isGetAccessorDeclaration(member) && member.body)
        emit({
          name: memberName(member.name, source),
          kind: 'getter',
          fn: member as FunctionNode,
          holder: member,
          scope,
          isExported,
        });
      else if (ts.isSetAccessorDeclaration(member) && member.body)
        emit({
          name: memberName(member.name, source),
          kind: 'setter',
          fn: member as FunctionNode,
          holder: member,
          scope,
          isExported,
        });
      else if (ts.isPropertyDeclaration(member) && member.initializer)
        visitValue(memberName(member.name, source), member.initializer, member, scope, isExported);
    }
  };

  const visitStatements = (statements: TS.NodeArray<TS.Statement>, scope: Scope): void => {
    for (const statement of statements) {
      const exportedHere = (name: string): boolean =>
        scope.prefix.length === 0
          ? hasModifier(statement, ts.SyntaxKind.ExportKeyword) || exportedNames.has(name)
          : scope.isExported && hasModifier(statement, ts.SyntaxKind.ExportKeyword);
      if (ts.isFunctionDeclaration(statement) && statement.body) {
        const name = statement.name?.text ?? 'default';
        emit({
          name,
          kind: 'function',
          fn: statement as FunctionNode,
          holder: statement,
          scope,
          isExported: exportedHere(name),
        });
      } else if (ts.isVariableStatement(statement)) {
        const declarations = statement.declarationList.declarations;
        for (const declaration of declarations) {
          if (!ts.isIdentifier(declaration.name) || !declaration.initializer) continue;
          const name = declaration.name.text;
          // A lone declaration is shown with its `const`; one of several, by itself.
          const holder = declarations.length === 1 ? statement : declaration;
          visitValue(name, declaration.initializer, holder, scope, exportedHere(name));
        }
      } else if (ts.isClassDeclaration(statement)) {
        const name = statement.name?.text ?? 'default';
        visitClass(statement, name, { prefix: scope.prefix, isExported: exportedHere(name) });
      } else if (ts.isExportAssignment(statement) && scope.prefix.length === 0) {
        visitValue('default', statement.expression, statement, scope, true);
      } else if (
        ts.isModuleDeclaration(statement) &&
        statement.body &&
        ts.isModuleBlock(statement.body) &&
        ts.isIdentifier(statement.name)
      ) {
        visitStatements(statement.body.statements, {
          prefix: [...scope.prefix, statement.name.text],
          isExported: exportedHere(statement.name.text),
        });
      } else if (ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression)) {
        visitAssignment(statement.expression, statement, scope);
      }
    }
  };

  // CommonJS and prototype style: `exports.f = ...`, `module.exports = {...}`, `Foo.prototype.bar = function ...`.
  const visitAssignment = (expression: TS.BinaryExpression, holder: TS.Statement, scope: Scope): void => {
    if (expression.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
    const target = expression.left.getText(source).replace(/\s+/g, '');
    if (!/^[\w$]+(\.[\w$]+)+$/.test(target)) return;
    const isCommonJs = /^(module\.)?exports(\.|$)/.test(target);
    const path = target
      .replace(/^module\.exports\.?|^exports\./, '')
      .split('.')
      .filter((part) => part !== '' && part !== 'prototype');
    const name = path.pop() ?? 'exports';
    const inner = unwrap(expression.right);
    if (ts.isObjectLiteralExpression(inner))
      visitObject(inner, {
        prefix: [...scope.prefix, ...path, ...(target === 'module.exports' ? [] : [name])],
        isExported: isCommonJs,
      });
    else visitValue(name, expression.right, holder, { ...scope, prefix: [...scope.prefix, ...path] }, isCommonJs);
  };

  visitStatements(source.statements, { prefix: [], isExported: true });
  return disambiguate(found);
}

/** The Nth function with the same file, qualified name and kind (overload-free duplicates, `if` branches) gets `~N`. */
function disambiguate(records: ScanRecord[]): ScanRecord[] {
  const seen = new Map<string, number>();
  for (const record of records) {
    const count = (seen.get(record.id) ?? 0) + 1;
    seen.set(record.id, count);
    if (count > 1) record.id = `${record.id}~${count}`;
  }
  return records;
}

function unwrap(expression: TS.Expression): TS.Expression {
  let current = expression;
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current) ||
    ts.isTypeAssertionExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

function memberName(name: TS.PropertyName, source: TS.SourceFile): string {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name))
    return name.text;
  return name.getText(source).replace(/\s+/g, ' ');
}

function hasModifier(node: TS.Node, kind: TS.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) ? (ts.getModifiers(node)?.some((m) => m.kind === kind) ?? false) : false;
}

function isPrivate(member: TS.ClassElement): boolean {
  return (
    (member.name !== undefined && ts.isPrivateIdentifier(member.name)) ||
    hasModifier(member, ts.SyntaxKind.PrivateKeyword)
  );
}

/** `export { a, b as c }` and `export default a` at module level mark local names as exported. */
function exportListNames(source: TS.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (
      ts.isExportDeclaration(statement) &&
      !statement.moduleSpecifier &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const element of statement.exportClause.elements)
        names.add((element.propertyName ?? element.name).getText(source));
    } else if (ts.isExportAssignment(statement) && ts.isIdentifier(statement.expression)) {
      names.add(statement.expression.text);
    }
  }
  return names;
}

/** Where the part of a function that matters for similarity starts: its type parameters or parameter list. */
function signatureStart(fn: FunctionNode, source: TS.SourceFile): number {
  const first = fn.typeParameters?.pos ?? fn.parameters.pos;
  // `pos` includes leading trivia; the `(` or `<` sits just before the first parameter.
  const text = source.text;
  let at = first;
  while (at > fn.pos && text[at - 1] !== '(' && text[at - 1] !== '<') at--;
  return at > fn.pos ? at - 1 : fn.parameters.pos;
}

/** Source ranges of the type annotations in a function, with their `:`, `as` or `<>`, in order. */
function typeRanges(fn: TS.Node, text: string): [number, number][] {
  const ranges: [number, number][] = [];
  const bracketed = (list: TS.NodeArray<TS.Node> | undefined): void => {
    if (!list) return;
    const open = adjacent(text, list.pos, '<', -1);
    const close = adjacent(text, list.end, '>', 1);
    if (open !== undefined && close !== undefined) ranges.push([open, close + 1]);
  };
  const visit = (node: TS.Node): void => {
    const typed = node as TS.Node & {
      type?: TS.TypeNode;
      typeParameters?: TS.NodeArray<TS.Node>;
      typeArguments?: TS.NodeArray<TS.Node>;
    };
    if (ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) {
      visit(node.expression);
      ranges.push([node.expression.end, node.end]);
      return;
    }
    if (ts.isTypeAssertionExpression(node)) {
      ranges.push([node.pos, node.expression.pos]);
      visit(node.expression);
      return;
    }
    if (ts.isTypeNode(node)) return;
    if (
      typed.type &&
      (ts.isParameter(node) ||
        ts.isVariableDeclaration(node) ||
        ts.isPropertyDeclaration(node) ||
        ts.isFunctionLike(node))
    ) {
      // `pos` of the type is just after its `:`.
      ranges.push([adjacent(text, typed.type.pos, ':', -1) ?? typed.type.pos, typed.type.end]);
    }
    bracketed(typed.typeParameters);
    bracketed(typed.typeArguments);
    ts.forEachChild(node, (child) => {
      if (child !== typed.type) visit(child);
    });
  };
  visit(fn);
  return mergeRanges(ranges);
}

/** Index of `char` next to `from` (before it for direction -1), across whitespace only. */
function adjacent(text: string, from: number, char: string, direction: 1 | -1): number | undefined {
  for (let at = direction === -1 ? from - 1 : from; at >= 0 && at < text.length; at += direction) {
    const c = text[at] as string;
    if (c === char) return at;
    if (!/\s/.test(c)) return undefined;
  }
  return undefined;
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const range of ranges) {
    const last = out.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else out.push([range[0], range[1]]);
  }
  return out;
}

function signatureOf(name: string, fn: FunctionNode, source: TS.SourceFile): string {
  const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();
  const isAsync = hasModifier(fn, ts.SyntaxKind.AsyncKeyword);
  const prefix = ts.isGetAccessorDeclaration(fn) ? 'get ' : ts.isSetAccessorDeclaration(fn) ? 'set ' : '';
  const typeParameters = fn.typeParameters
    ? `<${fn.typeParameters.map((t) => collapse(t.getText(source))).join(', ')}>`
    : '';
  const parameters = fn.parameters.map((p) => collapse(p.getText(source))).join(', ');
  const returns = fn.type ? `: ${collapse(fn.type.getText(source))}` : '';
  return `${isAsync ? 'async ' : ''}${prefix}${name}${typeParameters}(${parameters})${returns}`;
}

function scriptKind(file: string): TS.ScriptKind {
  if (file.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (file.endsWith('.jsx')) return ts.ScriptKind.JSX;
  if (/\.(c|m)?js$/.test(file)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}
