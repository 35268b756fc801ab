import * as fs from 'fs';
import * as path from 'path';

/**
 * Code that runs inside Lambda must not load aws-cdk-lib, constructs or the library's construct
 * code (ARCHITECTURE.md): cold starts pay for every module. Checked on the sources' imports: only
 * packages other than aws-cdk-lib/constructs, and relative imports that stay inside runtime/.
 */
const DIR = path.join(__dirname, '..', '..', 'src', 'aurora-iam-function');
const RUNTIME = path.join(DIR, 'runtime');
const files = [...fs.readdirSync(RUNTIME).map((f) => path.join(RUNTIME, f)), path.join(DIR, 'db-user.lambda.ts')];

function importsOf(file: string): string[] {
  return [...fs.readFileSync(file, 'utf-8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
}

function forbidden(file: string, spec: string): boolean {
  if (/^(aws-cdk-lib|constructs)(\/|$)/.test(spec)) return true;
  return spec.startsWith('.') && !path.resolve(path.dirname(file), spec).startsWith(RUNTIME);
}

test('the scan sees imports', () => {
  expect(importsOf(path.join(RUNTIME, 'connection.ts'))).toEqual(expect.arrayContaining(['pg', '@aws-sdk/rds-signer', './tls']));
  expect(forbidden(path.join(RUNTIME, 'x.ts'), '../../common/nag')).toBe(true);
  expect(forbidden(path.join(RUNTIME, 'x.ts'), 'aws-cdk-lib/aws-rds')).toBe(true);
});

test.each(files.map((f) => [path.relative(DIR, f), f]))('%s imports no CDK code', (_name, file) => {
  expect(importsOf(file).filter((spec) => forbidden(file, spec))).toEqual([]);
});
