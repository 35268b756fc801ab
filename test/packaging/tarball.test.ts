import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The npm tarball holds what a user needs and nothing else: `npm pack --dry-run --json` (npm's own
 * file list, .npmignore applied) against an allow-list and a size budget, with the bin and every
 * handler asset in it. It needs the compiled lib/ and .jsii and the bundled assets/: the build runs
 * this from the test task, after compile (which follows pre-compile's bundle); standalone, run
 * `npx projen compile && npx projen bundle` first.
 */
const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8'));
const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf-8')).tasks;

/** What every bundle task writes (esbuild's --outfile): the handlers and the probe shipped in assets/. */
const bundled: string[] = Object.entries<any>(tasks)
  .filter(([name]) => name.startsWith('bundle:') && !name.endsWith(':watch'))
  .flatMap(([, task]) => task.steps.map((step: any) => (step.exec ?? step.execArgs?.join(' ') ?? '').match(/--outfile=(\S+)/)?.[1]))
  .filter((file): file is string => file !== undefined);

/** The asset directories the constructs load at synth (`Code.fromAsset(path.join(__dirname, ..., 'assets', ...))`). */
function assetDirsLoadedByLib(dir = path.join(ROOT, 'lib')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return assetDirsLoadedByLib(file);
    if (!entry.name.endsWith('.js')) return [];
    return [...fs.readFileSync(file, 'utf-8').matchAll(/'assets'((?:,\s*'[^']+')+)\)/g)]
      .map((m) => ['assets', ...[...m[1].matchAll(/'([^']+)'/g)].map((part) => part[1])].join('/'));
  });
}

/** Anything a user does not need, in the folders a build, a test or a deploy leaves behind. */
const LEFTOVERS = ['.tmp/bundles/leftover/index.js', 'cdk.out/leftover.template.json', 'dist/js/leftover.tgz',
  'test-reports/leftover.xml', 'coverage/leftover.json', 'leftover.tgz'];

const ALLOWED = [
  /^package\.json$/, /^README\.md$/, /^LICENSE$/, /^API\.md$/, /^\.jsii$/,
  // the compiled library, without lib/cli (the probe ships bundled, as assets/cli/probe.js)
  /^lib\/(?!cli\/).+\.(js|d\.ts)$/,
];
// Figures on 2026-12-03: 707 KB packed, 3.45 MB unpacked, 85 files (with .tmp/ it was 5.8 MB).
const MAX_PACKED_BYTES = 1_000_000;
const MAX_UNPACKED_BYTES = 4_500_000;

let packed: { size: number; unpackedSize: number; files: { path: string; mode: number }[] };
const created: string[] = [];

beforeAll(() => {
  for (const required of ['.jsii', 'lib/index.js', ...bundled]) {
    if (!fs.existsSync(path.join(ROOT, required))) {
      throw new Error(`${required} is missing: run \`npx projen compile && npx projen bundle\` before this test`);
    }
  }
  // Leftovers in every ignored place, so that a clean checkout proves the ignores too.
  for (const leftover of LEFTOVERS) {
    const file = path.join(ROOT, leftover);
    if (fs.existsSync(file)) continue;
    const firstNewDir = fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'not for the tarball\n');
    created.push(file);
    // the folders made for it, deepest first: removed afterwards unless another test wrote there meanwhile
    for (let dir = path.dirname(file); firstNewDir && dir.startsWith(firstNewDir); dir = path.dirname(dir)) created.push(dir);
  }
  try {
    [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'],
      { cwd: ROOT, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } finally {
    for (const leftover of created) {
      try {
        if (fs.statSync(leftover).isDirectory()) fs.rmdirSync(leftover); else fs.rmSync(leftover);
      } catch {
        // a folder another test has written to meanwhile
      }
    }
  }
});

test('the tarball holds only the allow-listed files and the bundled assets', () => {
  const unexpected = packed.files.map((f) => f.path).filter((file) => !bundled.includes(file) && !ALLOWED.some((re) => re.test(file)));
  expect(unexpected).toEqual([]);
});

test('the tarball stays within its size budget', () => {
  expect(packed.size).toBeLessThanOrEqual(MAX_PACKED_BYTES);
  expect(packed.unpackedSize).toBeLessThanOrEqual(MAX_UNPACKED_BYTES);
});

test('the bin is in the tarball, executable, and one of the bundles', () => {
  const bins = Object.values<string>(pkg.bin);
  expect(bins.length).toBeGreaterThan(0);
  for (const bin of bins) {
    const file = packed.files.find((f) => f.path === bin);
    expect(file).toBeDefined();
    // eslint-disable-next-line no-bitwise -- the execute bits of the file's mode
    expect(file!.mode & 0o111).not.toBe(0);
    expect(bundled).toContain(bin);
  }
});

test('every bundled asset and every asset directory a construct loads is in the tarball', () => {
  const files = packed.files.map((f) => f.path);
  expect(bundled.length).toBeGreaterThanOrEqual(2); // the database-user handler and the probe
  for (const file of bundled) expect(files).toContain(file);
  const loaded = assetDirsLoadedByLib();
  expect(loaded).toContain('assets/aurora-iam-function/db-user.lambda');
  for (const dir of loaded) expect(files.filter((file) => file.startsWith(`${dir}/`))).not.toEqual([]);
});

test('the README states the same aws-cdk-lib and constructs floors as peerDependencies', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
  const stated = readme.match(/^Requires `aws-cdk-lib` (\S+) and `constructs` (\S+)\./m);
  expect(stated?.slice(1)).toEqual([pkg.peerDependencies['aws-cdk-lib'], pkg.peerDependencies.constructs]);
});
