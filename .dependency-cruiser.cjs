/**
 * Import rules for src/ (npm run lint runs them): no cycles, and common/ (what every feature
 * uses) imports no feature folder, so features depend on common and never the other way round.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import cycle: modules that need each other belong together, or one needs an interface.',
      from: { path: '^src' },
      to: { circular: true },
    },
    {
      name: 'common-imports-no-feature',
      severity: 'error',
      comment: 'src/common is the bottom layer: it may import only itself, node and packages.',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: ['^src/common/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
