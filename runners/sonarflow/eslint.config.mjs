// ESLint configuration that produces examples/eslint.sarif, the default input of
// the sonarflow pipeline (the regeneration command is at the top of the
// sonarflow section of pipelines.yaml). ESLint and its plugins are installed
// in a temporary directory for that command, never into package.json, so
// this file resolves its imports from that directory.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config({
  files: ['**/*.ts'],
  extends: [js.configs.recommended, ...tseslint.configs.recommended],
  rules: {
    complexity: ['warn', 12],
    'max-depth': ['warn', 4],
    'max-params': ['warn', 4],
    'max-lines-per-function': ['warn', { max: 80, skipBlankLines: true, skipComments: true }],
    'no-await-in-loop': 'warn',
    eqeqeq: 'error',
    '@typescript-eslint/no-non-null-assertion': 'error',
    '@typescript-eslint/no-unused-vars': [
      'error',
      { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
    ],
  },
});
