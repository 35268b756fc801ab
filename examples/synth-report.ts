import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildExampleApp } from './app';
import { controlTowerFindings } from '../test/support/judges/control-tower';
import { iamFindings } from '../test/support/judges/iam';
import { stateMachineFindings } from '../test/support/judges/state-machines';
import { CFN_LINT_IGNORED, nagFindings } from '../test/support/quality-gates';

/**
 * The main job: synthesize the example app into examples/cdk.out, then print for each stack the
 * resources it defines and the cfn-lint, cdk-nag (AwsSolutions + Serverless), state-machine
 * (test/support/judges/state-machines.ts), AWS Control Tower (cfn-guard) and IAM
 * (test/support/judges/iam.ts) verdicts.
 * Exits non-zero when any stack has a finding.
 */
const outdir = path.join(__dirname, 'cdk.out');
fs.rmSync(outdir, { recursive: true, force: true });
const { app, stacks } = buildExampleApp(new App({ outdir }));
const assembly = app.synth();

interface Lint { Rule: { Id: string }; Level: string; Message: string; Filename: string }
const templates = stacks.map((s) => path.join(outdir, s.templateFile));
let lint: Lint[] = [];
try {
  execFileSync('cfn-lint', ['--format', 'json', '--regions', 'us-east-1', '--ignore-checks', ...Object.keys(CFN_LINT_IGNORED), '--', ...templates], { encoding: 'utf-8' });
} catch (err: any) {
  // cfn-lint exits non-zero when it finds anything; its JSON report is still on stdout.
  if (!err.stdout) throw err;
  lint = JSON.parse(err.stdout);
}

// The IAM judge reads the service authorization reference asynchronously, hence the async report.
async function report(): Promise<void> {
  let failed = false;
  for (const stack of stacks) {
    const template = assembly.getStackByName(stack.stackName).template;
    const resources: Record<string, number> = {};
    for (const r of Object.values<any>(template.Resources ?? {})) resources[r.Type] = (resources[r.Type] ?? 0) + 1;
    const stackLint = lint
      .filter((m) => path.resolve(m.Filename) === path.join(outdir, stack.templateFile))
      .map((m) => `${m.Rule.Id} (${m.Level}) ${m.Message}`);
    const verdicts: [string, string[]][] = [
      ['cfn-lint', stackLint],
      ['cdk-nag (AwsSolutions, Serverless)', nagFindings(stack)],
      ['state machines (ASL, API models)', stateMachineFindings(template)],
      ['Control Tower (cfn-guard)', controlTowerFindings(template)],
      ['IAM (service authorization reference)', await iamFindings(template)],
    ];
    failed ||= verdicts.some(([, findings]) => findings.length > 0);

    const total = Object.values(resources).reduce((a, b) => a + b, 0);
    console.log(`\n== ${stack.stackName}: ${total} resources`);
    for (const [type, n] of Object.entries(resources).sort()) console.log(`   ${String(n).padStart(3)}  ${type}`);
    for (const [gate, findings] of verdicts) {
      console.log(`   ${gate}: ${findings.length === 0 ? 'PASS' : `FAIL\n     ${findings.join('\n     ')}`}`);
    }
  }
  console.log(`\n${stacks.length} stacks synthesized to ${path.relative(process.cwd(), outdir)}: ${failed ? 'FINDINGS ABOVE' : 'all clean'}`);
  // examples/ is also a plain CDK app (examples/cdk.json): the same stacks, through the CDK CLI.
  console.log(`Deploy one stack (AWS credentials and a bootstrapped account): cd examples && npx cdk deploy ${stacks[0].stackName}`);
  process.exitCode = failed ? 1 : 0;
}
report().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
