// A minimal TypeScript require hook for the benchmarks' child processes: esbuild transpiles each
// .ts file as it is required (types are not checked; `projen typecheck` does that). It starts in a
// fraction of ts-node's time, which matters when a benchmark starts a hundred processes.
const fs = require('fs');
const esbuild = require('esbuild');

require.extensions['.ts'] = (module, filename) => {
  const { code } = esbuild.transformSync(fs.readFileSync(filename, 'utf-8'), {
    loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename, sourcemap: 'inline',
  });
  module._compile(code, filename);
};
