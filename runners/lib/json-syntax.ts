// Where a JSON text goes wrong, said so a person can act on it. V8's
// JSON.parse gives a character offset ("... in JSON at position 26"), and
// for some mistakes none at all ("Unexpected token 't', ... is not valid
// JSON"). This scanner, run only on a text JSON.parse has refused, finds the
// first mistake and gives its line, its column and what is wrong there. It
// accepts what JSON (RFC 8259) accepts, so where JSON.parse fails it finds
// the mistake; should it ever find none, the caller keeps V8's message.

export interface JsonMistake {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units from the start of the line. */
  column: number;
  message: string;
}

/** The first mistake of a text that is not JSON; undefined when there is none to find. */
export function jsonMistake(text: string): JsonMistake | undefined {
  let mistake: Mistake;
  try {
    new Scanner(text).document();
    return undefined;
  } catch (error) {
    // A stack overflow on very deep nesting: no place to name.
    if (!(error instanceof Mistake)) return undefined;
    mistake = error;
  }
  const lineStart = text.lastIndexOf('\n', mistake.offset - 1) + 1;
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < mistake.offset; at = text.indexOf('\n', at + 1)) line++;
  return { line, column: mistake.offset - lineStart + 1, message: mistake.message };
}

class Mistake extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const TOKEN = /[A-Za-z0-9_$.+-]+/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4})/y;

class Scanner {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  document(): void {
    this.#value();
    this.#space();
    if (this.#at < this.#text.length) throw this.#mistake(`unexpected ${this.#found()} after the JSON value`);
  }

  #value(): void {
    this.#space();
    const c = this.#text[this.#at];
    if (c === '{') this.#object();
    else if (c === '[') this.#array();
    else if (c === '"') this.#string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.#number();
    else if (c !== undefined && /[a-z]/.test(c) && ['true', 'false', 'null'].includes(this.#token())) {
      this.#at += this.#token().length;
    } else throw this.#mistake(`expected a value, found ${this.#found()}${this.#hint()}`);
  }

  #object(): void {
    this.#at++;
    this.#space();
    if (this.#text[this.#at] === '}') {
      this.#at++;
      return;
    }
    for (;;) {
      this.#space();
      if (this.#text[this.#at] !== '"')
        throw this.#mistake(`expected a double-quoted property name, found ${this.#found()}${this.#hint()}`);
      this.#string();
      this.#space();
      if (this.#text[this.#at] !== ':')
        throw this.#mistake(`expected ':' after a property name, found ${this.#found()}`);
      this.#at++;
      this.#value();
      this.#space();
      const c = this.#text[this.#at];
      if (c !== ',' && c !== '}')
        throw this.#mistake(`expected ',' or '}' after a property value, found ${this.#found()}`);
      this.#at++;
      if (c === '}') return;
    }
  }

  #array(): void {
    this.#at++;
    this.#space();
    if (this.#text[this.#at] === ']') {
      this.#at++;
      return;
    }
    for (;;) {
      this.#value();
      this.#space();
      const c = this.#text[this.#at];
      if (c !== ',' && c !== ']')
        throw this.#mistake(`expected ',' or ']' after an array element, found ${this.#found()}`);
      this.#at++;
      if (c === ']') return;
    }
  }

  #string(): void {
    const start = this.#at++;
    for (;;) {
      const c = this.#text[this.#at];
      if (c === undefined) throw new Mistake(start, 'this string is never closed');
      if (c === '"') {
        this.#at++;
        return;
      }
      if (c === '\\') {
        ESCAPE.lastIndex = this.#at;
        if (!ESCAPE.test(this.#text))
          throw this.#mistake(`'${this.#text.slice(this.#at, this.#at + 2)}' is not an escape JSON knows`);
        this.#at = ESCAPE.lastIndex;
      } else if (c < ' ') {
        throw this.#mistake(`a string cannot hold a raw control character (${codePoint(c)}); escape it`);
      } else this.#at++;
    }
  }

  #number(): void {
    const token = this.#token();
    if (!NUMBER.test(token)) throw this.#mistake(`'${token}' is not a JSON number`);
    this.#at += token.length;
  }

  /** The run of word and number characters at the current place ('' when there is none). */
  #token(): string {
    TOKEN.lastIndex = this.#at;
    return TOKEN.exec(this.#text)?.[0] ?? '';
  }

  #space(): void {
    while (isSpace(this.#text[this.#at])) this.#at++;
  }

  /** What is at the current place, for a message. */
  #found(): string {
    const c = this.#text[this.#at];
    if (c === undefined) return 'the end of the file';
    if (c === '"') return 'a string';
    if (c < ' ') return codePoint(c);
    const text = this.#token().slice(0, 20) || String.fromCodePoint(this.#text.codePointAt(this.#at) ?? 0);
    return text.includes("'") ? `"${text}"` : `'${text}'`;
  }

  /** Why a common mistake is one: a comma before a closing bracket, a comment. */
  #hint(): string {
    const c = this.#text[this.#at];
    if (c === '/' && '/*'.includes(this.#text[this.#at + 1] ?? 'x')) return ' (JSON has no comments)';
    if (c === '}' || c === ']') {
      let before = this.#at - 1;
      while (isSpace(this.#text[before])) before--;
      if (this.#text[before] === ',') return ' (JSON allows no comma before it)';
    }
    return '';
  }

  #mistake(message: string): Mistake {
    return new Mistake(this.#at, message);
  }
}

/** JSON's whitespace: space, tab, line feed, carriage return. */
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function codePoint(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
