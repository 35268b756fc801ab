import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';

/**
 * Bundles an integ test handler that needs npm packages (which `Code.fromInline` cannot carry)
 * with esbuild, at integ synth time on our machines, into a git-ignored folder. The bundle is
 * deterministic, so the asset hash in the committed snapshot stays stable.
 */
export function bundledHandler(entry: string): lambda.Code {
  const name = path.basename(entry, '.ts');
  const outdir = path.join(__dirname, '..', '..', '.tmp', 'integ-bundles', name);
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node24',
    outfile: path.join(outdir, 'index.js'),
    // pg loads its optional native binding only when asked; the pure-JS client is used.
    external: ['pg-native'],
    logLevel: 'error',
  });
  return lambda.Code.fromAsset(outdir);
}
