// Lint rules: the recommended sets of eslint and typescript-eslint, without type information
// (type-aware rules would double the time of every CI run for little gain; tsc --noEmit runs too).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.podsec-play/**', 'lab-runs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    // The engine owns the step-kind contract; steps/, lab/ and cli/ plug into it, never the
    // reverse (cli/ is the composition root that wires them together).
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/steps/**', '**/steps/*', '**/lab/**', '**/lab/*', '**/cli/**', '**/cli/*'], message: 'engine/ must not import steps/, lab/ or cli/: take what you need as a parameter from the composition root (cli/).' },
          ],
        },
      ],
    },
  },
  {
    files: ['lab/standins/**/*.js', 'lab/standins/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
  },
);
