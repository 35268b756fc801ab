import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';

/**
 * Bundles a handler of the integ tests or the example app that needs npm packages (which
 * `Code.fromInline` cannot carry) with esbuild, at synth time on our machines, into a git-ignored
 * folder, as a user's build would. `cdk-serverless-patterns/lib/...` imports resolve to src/
 * through the dev tsconfig's paths. The bundle is deterministic, so snapshot asset hashes are stable.
 */
export function bundledHandler(entry: string): lambda.Code {
  const name = path.basename(entry, '.ts');
  const outdir = path.join(__dirname, '..', '..', '.tmp', 'bundles', name);
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node24',
    outfile: path.join(outdir, 'index.js'),
    // pg loads its optional native binding only when asked; the pure-JS client is used.
    external: ['pg-native'],
    tsconfig: path.join(__dirname, '..', 'tsconfig.json'),
    logLevel: 'error',
  });
  return lambda.Code.fromAsset(outdir);
}
