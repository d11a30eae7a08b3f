// The public surface of @example/core.
export { slugify } from './slug.js';
export type { SlugOptions } from './slug.js';
export { Tokenizer, tokenize } from './tokenize.js';
export type { Token, TokenKind } from './tokenize.js';

export const VERSION = '1.2.0';
