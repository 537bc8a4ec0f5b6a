// ESLint flat config: typescript-eslint strictTypeChecked plus the layer rules of
// docs/ARCHITECTURE.md ("what may import what"), enforced by import-x/no-restricted-paths,
// and no import cycles anywhere.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

/** Node modules that perform I/O; only host adapters, drivers, servers and cmd may use them. */
const nodeIo = [
  'child_process',
  'fs',
  'fs/promises',
  'net',
  'dgram',
  'http',
  'http2',
  'https',
  'tls',
  'dns',
  'worker_threads',
  'cluster',
];
const nodeIoPaths = nodeIo.flatMap((m) => [
  { name: m, message: 'Node I/O belongs in host adapters (see docs/ARCHITECTURE.md).' },
  { name: `node:${m}`, message: 'Node I/O belongs in host adapters (see docs/ARCHITECTURE.md).' },
]);

/**
 * Layer table. Each entry: a folder and the folders it must not import from.
 * Keep in step with docs/ARCHITECTURE.md.
 */
const components = ['controllers', 'scheduler', 'kubelet', 'proxy', 'network', 'dns'];
const layers = [
  {
    target: 'src/util',
    from: [
      'src/api',
      'src/storage',
      'src/client',
      'src/apiserver',
      'src/cmd',
      'src/testing',
      ...components.map((c) => `src/${c}`),
    ],
  },
  {
    target: 'src/api',
    from: [
      'src/storage',
      'src/client',
      'src/apiserver',
      'src/cmd',
      'src/testing',
      ...components.map((c) => `src/${c}`),
    ],
  },
  {
    target: 'src/storage',
    from: ['src/client', 'src/apiserver', 'src/cmd', ...components.map((c) => `src/${c}`)],
  },
  {
    target: 'src/client',
    from: ['src/storage', 'src/apiserver', 'src/cmd', ...components.map((c) => `src/${c}`)],
  },
  {
    target: 'src/apiserver',
    from: ['src/client', 'src/cmd', ...components.map((c) => `src/${c}`)],
  },
  ...components.map((c) => ({
    target: `src/${c}`,
    from: [
      'src/storage',
      'src/apiserver',
      'src/cmd',
      ...components.filter((o) => o !== c).map((o) => `src/${o}`),
    ],
  })),
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })] },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: layers.map((l) => ({
            target: `./${l.target}`,
            from: l.from.map((f) => `./${f}`),
            message: 'Layer rule (docs/ARCHITECTURE.md: what may import what).',
          })),
        },
      ],
      'no-console': 'error',
    },
  },
  {
    // Pure layers: no Node I/O.
    files: ['src/util/**/*.ts', 'src/api/**/*.ts'],
    ignores: ['src/util/host/**'],
    rules: { 'no-restricted-imports': ['error', { paths: nodeIoPaths }] },
  },
  {
    // The CLI prints to the terminal; tests, benchmarks and scripts may too.
    files: ['src/cmd/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      // node:test's describe/it/test return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The built program's loader: plain CommonJS, copied into dist/cmd by scripts/build.sh.
    files: ['scripts/**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: { require: 'readonly', __dirname: 'readonly', process: 'readonly' },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
