import { execFileSync, spawn } from 'child_process';
import { existsSync, readdirSync, statSync } from 'fs';
import { join } from 'path';

/** The bundled command, what the npm `bin` points at, run as a child process by the end-to-end tests. */
export const ROOT = join(__dirname, '..', '..', '..');
export const BIN = join(ROOT, 'assets', 'cli', 'probe.js');
const SOURCES = join(ROOT, 'src', 'cli');

function newestMtime(dir: string): number {
  return Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory()
    ? newestMtime(join(dir, e.name))
    : statSync(join(dir, e.name)).mtimeMs)));
}

/** Bundles the command when it is missing or older than its sources (a fresh clone, or an edit). */
export function ensureBundle(): void {
  if (!existsSync(BIN) || statSync(BIN).mtimeMs < newestMtime(SOURCES)) {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'projen'), ['bundle:cli'], { cwd: ROOT, stdio: 'pipe' });
  }
}

export interface RunResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the binary with static credentials and nothing from the developer's own AWS setup;
 * `whileRunning` may act on the live process (e.g. send SIGINT); `env` adds to (or overrides) its
 * environment. Killed after 60 s.
 */
export function run(args: string[], whileRunning?: (child: ReturnType<typeof spawn>) => void, env: Record<string, string> = {}): Promise<RunResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      AWS_ACCESS_KEY_ID: 'AKIDPROBEE2E',
      AWS_SECRET_ACCESS_KEY: 'probe-e2e-secret',
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(ROOT, 'nonexistent', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(ROOT, 'nonexistent', 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  whileRunning?.(child);
  return new Promise((resolve) => child.on('close', (status, signal) => {
    clearTimeout(guard);
    resolve({ status, signal, stdout, stderr });
  }));
}
