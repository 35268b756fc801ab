/** Runs one benchmark file's `run()` (see bench/run.ts): `run-one.ts <file>`. */
// A file named on the command line, so a dynamic require rather than an import (under module
// node16 a dynamic import() would also bypass ts-node).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bench = require(process.argv[2]) as { run(): Promise<void> };
bench.run().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
