// Lint for the whole workspace, with type information: every TypeScript file belongs to a tsconfig.json
// (packages/*/tsconfig.json for src, packages/*/test/tsconfig.json for tests and their .mjs fixtures), so
// the project service types tests exactly as `tsc -p tsconfig.test.json` does.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['**/dist/**', 'packages/bench/results/**', 'test-artifacts/**'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: {
          // Files no tsconfig.json includes: the root config files, and the test helpers that have a .d.mts
          // beside them (test-support/tsconfig.json then sees only the .d.mts). They are typed with the
          // tests' compiler options.
          allowDefaultProject: ['*.js', '*.ts', 'test-support/{link-race,settle,unprivileged,versions}.mjs'],
          defaultProject: 'tsconfig.test.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      // The cycle check reads the modules an import leads to: parse TypeScript ones with the TypeScript parser.
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'] },
      // Resolve `./x.js` to `./x.ts` as TypeScript's NodeNext resolution does, so the cycle check follows
      // the sources and not the build output.
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      // Already errors in recommendedTypeChecked; named here because the project relies on them.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Off on purpose: a FileSystem method is `async` without awaiting anything so that a thrown FsError
      // reaches the caller as a rejection, as the interface promises; the rule's fix (drop `async`) would
      // make those errors synchronous throws.
      '@typescript-eslint/require-await': 'off',
      // `const { date: _date, ...rest } = headers` is how a key is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // Type-only imports are erased, so only value imports can form a cycle that matters at run time.
      'import-x/no-cycle': 'error',
    },
  },
  {
    // Plain JavaScript (child-process fixtures, test helpers) is not type-checked (no checkJs), so every
    // parameter and parsed value is `any`: the no-unsafe-* rules would report the language, not a bug. The
    // promise rules still apply, since they read the types TypeScript infers.
    files: ['**/*.js', '**/*.mjs'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
