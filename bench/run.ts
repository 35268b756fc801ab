import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Runs every bench/*.bench.ts in turn (or those whose name contains an argument:
 * `npx projen bench synth-cost`). Each exports `run(): Promise<void>` and prints its own figures
 * and ratios; none is a timed test. Each runs in its own process (bench/support/run-one.ts), so
 * one benchmark's memory, JIT and open handles never weigh on the next.
 * The machine is printed first: the figures mean little without it.
 */
const filters = process.argv.slice(2);
const files = fs.readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const [load1, load5] = os.loadavg();
console.log(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB,`
  + ` node ${process.version}, load average ${load1.toFixed(2)} / ${load5.toFixed(2)} (1 / 5 min), ${new Date().toISOString()}`);

let failed = 0;
for (const file of files) {
  console.log(`\n## ${file}`);
  const started = Date.now();
  const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'support', 'run-one.ts'), path.join(__dirname, file)], {
    stdio: 'inherit',
    env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '..', 'test', 'tsconfig.json') },
  });
  console.log(`## ${file}: ${child.status === 0 ? 'done' : `FAILED (${child.status ?? child.signal})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (child.status !== 0) failed++;
}
if (files.length === 0) console.log(`no bench/*.bench.ts matches ${filters.join(' ')}`);
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
