import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Runs every bench/*.bench.ts, one after the other, each in its own process (a benchmark file is a
 * script: it measures and prints when run). Arguments filter by file name:
 * `npx projen bench synth-cost` runs bench/synth-cost.bench.ts only.
 * Prints the machine first: the figures mean little without it.
 */
const filters = process.argv.slice(2);
const benches = fs.readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((x) => f.includes(x))))
  .sort();

const [load1, load5] = os.loadavg();
console.log(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB,`
  + ` node ${process.version}, load average ${load1.toFixed(2)} / ${load5.toFixed(2)} (1 / 5 min), ${new Date().toISOString()}`);

let failed = 0;
for (const bench of benches) {
  console.log(`\n######## ${bench}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, bench)], {
    stdio: 'inherit',
    env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '..', 'test', 'tsconfig.json') },
  });
  console.log(`######## ${bench}: ${run.status === 0 ? 'done' : `FAILED (${run.status ?? run.signal})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (run.status !== 0) failed++;
}
if (benches.length === 0) console.log(`no bench/*.bench.ts matches ${filters.join(' ')}`);
process.exitCode = failed > 0 || benches.length === 0 ? 1 : 0;
