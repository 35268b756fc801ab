import { spawn } from 'child_process';
import * as path from 'path';
import * as readline from 'readline';

/**
 * Starts one cfn-lint server for the whole jest run (see cfn_lint_server.py) and hands its URL to
 * the workers through the environment, which they inherit when jest forks them after this runs.
 */
export default async function globalSetup(): Promise<void> {
  const server = spawn('python3', [path.join(__dirname, 'cfn_lint_server.py')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: server.stdout! });
  const port = await new Promise<string>((resolve, reject) => {
    let seenPort: string | undefined;
    const timer = setTimeout(() => reject(new Error('cfn-lint server did not start within 60 s')), 60_000);
    server.once('exit', (code) => reject(new Error(`cfn-lint server exited with code ${code} (is cfn-lint installed?)`)));
    lines.on('line', (line) => {
      if (!seenPort) {
        seenPort = line.trim();
      } else if (line.trim() === 'ready') {
        clearTimeout(timer);
        resolve(seenPort);
      }
    });
  });
  server.unref();
  process.env.CFN_LINT_URL = `http://127.0.0.1:${port}/`;
  (globalThis as any).__CFN_LINT_SERVER__ = server;
}
