import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { fmt, median } from './support/stats';

/**
 * Handler cost: size (raw and gzipped, as Lambda stores a zip) and cold module-load time of every
 * JavaScript bundle the package ships under assets/ (Lambda handlers and the CLI). Load time is
 * measured inside a fresh node process around `require` (node's own start-up excluded; it is
 * printed once for scale), median of BENCH_LOAD_REPS (default 7) processes. For a command (a file
 * starting with `#!`), `require` runs it with `--help`, and the whole `node <file> --help` run is
 * timed as well: that is what a user waits for.
 */
const ROOT = path.join(__dirname, '..');
const ASSETS = path.join(ROOT, 'assets');
const REPS = Number(process.env.BENCH_LOAD_REPS ?? 7);


function bundles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return bundles(full);
    return /\.(c|m)?js$/.test(e.name) ? [full] : [];
  }).sort();
}

/** Milliseconds `require(file)` takes in a fresh process. */
function requireMs(file: string, argv: string[]): number {
  const script = `process.argv = [process.argv[0], ${JSON.stringify(file)}, ...${JSON.stringify(argv)}];`
    + 'const t = process.hrtime.bigint();'
    + `require(${JSON.stringify(file)});`
    + 'process.stderr.write("\\nLOAD_NS=" + (process.hrtime.bigint() - t) + "\\n");';
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf-8', env: { ...process.env, AWS_REGION: 'us-east-1' } });
  const found = /LOAD_NS=(\d+)/.exec(child.stderr);
  if (!found) throw new Error(`loading ${file} failed:\n${child.stderr}`);
  return Number(found[1]) / 1e6;
}

function processMs(args: string[]): number {
  const start = process.hrtime.bigint();
  spawnSync(process.execPath, args, { encoding: 'utf-8' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function run(): Promise<void> {
  if (!fs.existsSync(ASSETS)) {
    console.log('assets/ is missing: running `npx projen bundle` first');
    execFileSync('npx', ['projen', 'bundle'], { cwd: ROOT, stdio: 'inherit' });
  }
  const nodeStartMs = median(Array.from({ length: REPS }, () => processMs(['-e', ''])));
  console.log(`node start-up alone (node -e ''): ${nodeStartMs.toFixed(0)} ms; figures below are medians of ${REPS} fresh processes`);
  console.log(`${'bundle'.padEnd(52)}     bytes   gzipped   require ms   whole run ms`);
  const results: Record<string, unknown> = {};
  for (const file of bundles(ASSETS)) {
    const content = fs.readFileSync(file);
    const command = content.subarray(0, 2).toString() === '#!';
    const argv = command ? ['--help'] : [];
    const load = median(Array.from({ length: REPS }, () => requireMs(file, argv)));
    const whole = command ? median(Array.from({ length: REPS }, () => processMs([file, ...argv]))) : undefined;
    const gzipped = zlib.gzipSync(content).length;
    const name = path.relative(ROOT, file);
    console.log(`${name.padEnd(52)} ${fmt(content.length, 0, 9)} ${fmt(gzipped, 0, 9)} ${fmt(load, 1, 12)} ${whole === undefined ? '' : `${fmt(whole, 0, 14)} (--help)`}`);
    results[name] = { bytes: content.length, gzipped, requireMs: load, wholeRunMs: whole };
  }

  const out = path.join(__dirname, 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'handler-cost.json'), JSON.stringify({ date: new Date().toISOString(), nodeStartMs, results }, undefined, 1));
}
