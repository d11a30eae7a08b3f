import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slugify } from '../dist/index.js';

test('slugify drops accents and punctuation', () => {
  assert.equal(slugify('Crème Brûlée, again!'), 'creme-brulee-again');
});

test('slugify cuts at a word boundary', () => {
  assert.equal(slugify('one two three', { maxLength: 9 }), 'one-two');
});
