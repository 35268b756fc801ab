import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * examples/ behaves like any CDK app: its cdk.json lets the CDK CLI synthesize the same stacks the
 * main job (`npx projen example`) reports on, so `npx cdk diff` and `npx cdk deploy <stack>` work there
 * with credentials. Only synth is run here (diff and deploy need an AWS account).
 */
const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

test('npx cdk synth in examples/ synthesizes every example stack', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'example-cdk-'));
  try {
    execFileSync(require.resolve('aws-cdk/bin/cdk'), ['synth', '--quiet', '--output', out], {
      cwd: EXAMPLES,
      stdio: 'pipe',
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf-8'));
    const stacks = Object.entries<any>(manifest.artifacts)
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([name]) => name)
      .sort();
    expect(stacks).toEqual(['AuroraIamFunctionExample', 'DurableSubscriberExample', 'EmrPipelineExample',
      'ProvisionedFunctionExample', 'ServerlessPipelineExample', 'StreamProcessorExample']);
    for (const stack of stacks) {
      const template = JSON.parse(fs.readFileSync(path.join(out, `${stack}.template.json`), 'utf-8'));
      expect(Object.keys(template.Resources).length).toBeGreaterThan(0);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 180_000);
