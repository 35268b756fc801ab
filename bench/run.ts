import * as fs from 'fs';
import * as path from 'path';

/**
 * Runs every bench/*.bench.ts in turn (or those whose name contains an argument), each exporting
 * `run(): Promise<void>`. Benchmarks print their own figures and ratios; none is a timed test.
 */
async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const files = fs.readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  for (const file of files) {
    console.log(`\n## ${file}`);
    // require, not import(): under module node16 a dynamic import() bypasses ts-node.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bench = require(path.join(__dirname, file)) as { run(): Promise<void> };
    await bench.run();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
