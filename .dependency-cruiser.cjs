/** Imports flow one way: core ← http ← connectors; mapping and state on core only;
 *  pipeline composes; cli and web sit on top. Simulators are independent product code. */
module.exports = {
  forbidden: [
    { name: 'core-is-the-bottom', severity: 'error', from: { path: '^src/core/' }, to: { path: '^(src/(?!core/)|simulators/)' } },
    { name: 'http-on-core-only', severity: 'error', from: { path: '^src/http/' }, to: { path: '^(src/(?!core/|http/)|simulators/)' } },
    { name: 'connectors-on-core-and-http', severity: 'error', from: { path: '^src/connectors/' }, to: { path: '^(src/(?!core/|http/|connectors/)|simulators/)' } },
    { name: 'connectors-never-import-each-other', severity: 'error', from: { path: '^src/connectors/([^/]+)/' }, to: { path: '^src/connectors/', pathNot: ['^src/connectors/$1/', '^src/connectors/[^/]+\\.ts$'] } },
    { name: 'mapping-on-core-only', severity: 'error', from: { path: '^src/mapping/' }, to: { path: '^(src/(?!core/|mapping/)|simulators/)' } },
    { name: 'state-on-core-only', severity: 'error', from: { path: '^src/state/' }, to: { path: '^(src/(?!core/|state/)|simulators/)' } },
    { name: 'reports-below-pipeline', severity: 'error', from: { path: '^src/reports/' }, to: { path: '^(src/(pipeline|cli|web|review|connectors|http)/|simulators/)' } },
    { name: 'pipeline-below-cli', severity: 'error', from: { path: '^src/pipeline/' }, to: { path: '^(src/(cli|web|review)/|simulators/)' } },
    { name: 'simulators-independent-of-client', severity: 'error', from: { path: '^simulators/' }, to: { path: '^src/(?!core/)' } },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
