export type TokenKind = 'word' | 'number' | 'punctuation' | 'space';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset of the first character in the input. */
  offset: number;
}

const PATTERNS: [TokenKind, RegExp][] = [
  ['space', /^\s+/],
  ['number', /^\d+(?:\.\d+)?/],
  ['word', /^[\p{L}\p{M}']+/u],
  ['punctuation', /^[^\s\p{L}\d]/u],
];

/** Splits text into tokens; every character of the input is in exactly one token. */
export class Tokenizer {
  readonly #keepSpace: boolean;

  constructor(options: { keepSpace?: boolean } = {}) {
    this.#keepSpace = options.keepSpace ?? false;
  }

  tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let offset = 0;
    while (offset < text.length) {
      const rest = text.slice(offset);
      const [kind, match] = this.#next(rest);
      if (kind !== 'space' || this.#keepSpace) tokens.push({ kind, text: match, offset });
      offset += match.length;
    }
    return tokens;
  }

  count(text: string, kind: TokenKind = 'word') {
    return this.tokenize(text).filter((token) => token.kind === kind).length;
  }

  #next(rest: string): [TokenKind, string] {
    for (const [kind, pattern] of PATTERNS) {
      const match = pattern.exec(rest);
      if (match) return [kind, match[0]];
    }
    return ['punctuation', rest.charAt(0)];
  }
}

/** Tokens of `text` without whitespace: a shortcut for `new Tokenizer().tokenize(text)`. */
export const tokenize = (text: string): Token[] => new Tokenizer().tokenize(text);
