// Normalized code: the tokens of a function joined by single spaces, so
// comments and layout (what reformatting or a reworded comment changes)
// change neither the embedding nor its cache key. Type annotations are left
// out too (the caller passes their ranges): a JavaScript copy of a
// TypeScript function, or one with renamed types, is the same code. The
// TypeScript scanner
// needs the parser's help in two places, done here by the usual heuristics:
// a `}` closing a template substitution continues the template, and a `/`
// where an operand is expected starts a regular expression.
import type TS from 'typescript';
import { ts } from '../lib/typescript.js';

const OPERAND_END = new Set<TS.SyntaxKind>([
  ts.SyntaxKind.Identifier,
  ts.SyntaxKind.PrivateIdentifier,
  ts.SyntaxKind.NumericLiteral,
  ts.SyntaxKind.BigIntLiteral,
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.RegularExpressionLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateTail,
  ts.SyntaxKind.CloseParenToken,
  ts.SyntaxKind.CloseBracketToken,
  ts.SyntaxKind.CloseBraceToken,
  ts.SyntaxKind.ThisKeyword,
  ts.SyntaxKind.SuperKeyword,
  ts.SyntaxKind.TrueKeyword,
  ts.SyntaxKind.FalseKeyword,
  ts.SyntaxKind.NullKeyword,
  ts.SyntaxKind.PlusPlusToken,
  ts.SyntaxKind.MinusMinusToken,
]);

const scanners = new Map<TS.LanguageVariant, TS.Scanner>();

export interface Normalized {
  text: string;
  tokens: number;
}

export interface NormalizeOptions {
  /** Scan text[start, end); the whole text by default. */
  start?: number;
  end?: number;
  /** Sorted, non-overlapping [from, to) ranges whose tokens are left out. */
  skip?: readonly (readonly [number, number])[];
  variant?: TS.LanguageVariant;
}

export function normalizeCode(code: string, options: NormalizeOptions = {}): Normalized {
  const variant = options.variant ?? ts.LanguageVariant.Standard;
  const start = options.start ?? 0;
  const skip = options.skip ?? [];
  let nextSkip = 0;
  let scanner = scanners.get(variant);
  if (!scanner) {
    scanner = ts.createScanner(ts.ScriptTarget.Latest, true, variant);
    scanners.set(variant, scanner);
  }
  scanner.setText(code, start, (options.end ?? code.length) - start);
  const parts: string[] = [];
  // Brace depth inside each open template substitution, innermost last.
  const templates: number[] = [];
  let previous = ts.SyntaxKind.Unknown;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.OpenBraceToken && templates.length > 0) {
      templates[templates.length - 1] = (templates.at(-1) ?? 0) + 1;
    } else if (kind === ts.SyntaxKind.CloseBraceToken && templates.length > 0) {
      if (templates.at(-1) === 0) {
        kind = scanner.reScanTemplateToken(false);
        if (kind === ts.SyntaxKind.TemplateTail) templates.pop();
      } else {
        templates[templates.length - 1] = (templates.at(-1) ?? 1) - 1;
      }
    } else if (
      (kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) &&
      !OPERAND_END.has(previous)
    ) {
      kind = scanner.reScanSlashToken();
    }
    if (kind === ts.SyntaxKind.TemplateHead) templates.push(0);
    const at = scanner.getTokenStart();
    while (nextSkip < skip.length && (skip[nextSkip]?.[1] ?? 0) <= at) nextSkip++;
    const range = skip[nextSkip];
    if (range && range[0] <= at) continue;
    parts.push(scanner.getTokenText());
    previous = kind;
  }
  scanner.setText(undefined);
  return { text: parts.join(' '), tokens: parts.length };
}
