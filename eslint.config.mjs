import nx from '@nx/eslint-plugin';

/**
 * Module boundaries: apps never import apps; a service's feature libs serve that service only;
 * lower layers never reach up. Test files may also use the `type:testing` harness.
 */
function boundaries({ tests }) {
  const testing = tests ? ['type:testing'] : [];
  return [
    'error',
    {
      enforceBuildableLibDependency: true,
      banTransitiveDependencies: true,
      allow: [],
      depConstraints: [
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', ...testing] },
        { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:data-access', 'type:util'] },
        { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', ...testing] },
        { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', ...testing] },
        { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing', 'type:data-access', 'type:util'] },
        { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', ...testing] },
        { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
        { sourceTag: 'scope:workflow-api', onlyDependOnLibsWithTags: ['scope:workflow-api', 'scope:shared'] },
        { sourceTag: 'scope:workflow-processor', onlyDependOnLibsWithTags: ['scope:workflow-processor', 'scope:shared'] },
        { sourceTag: 'scope:webhook-dispatcher', onlyDependOnLibsWithTags: ['scope:webhook-dispatcher', 'scope:shared'] },
        { sourceTag: 'scope:contact-resolver', onlyDependOnLibsWithTags: ['scope:contact-resolver', 'scope:shared'] },
        { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared'] },
      ],
    },
  ];
}

const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/.tools', '**/.data', '**/.nx', '**/jest.config.js', '**/webpack.config.js', '**/eslint.config.mjs'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries({ tests: false }),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: testFiles,
    rules: { '@nx/enforce-module-boundaries': boundaries({ tests: true }) },
  },
];
