import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { controlTowerFindings } from './support/judges/control-tower';
import { iamFindings } from './support/judges/iam';
import { stateMachineFindings } from './support/judges/state-machines';
import { cfnLint } from './support/quality-gates';

/**
 * Every committed integ snapshot is current and every snapshot template passes cfn-lint and the
 * judges of meaning (test/support/judges/).
 * (Each integ file also runs cdk-nag through integ/support/gates.ts when it is synthesized.)
 */
const INTEG_DIR = path.join(__dirname, '..', 'integ');

/**
 * Findings in integ-tests-alpha's own assertion stack, which we do not write. Each says why.
 */
const ASSERTION_STACK_IGNORED: Record<string, string> = {
  W3037: 'integ-tests-alpha grants the pseudo-action lambda:Invoke beside lambda:InvokeFunction',
};

/**
 * The IAM judge's one finding in the assertion stacks, which we do not write: integ-tests-alpha's
 * assertion provider grants an action named after each SDK call it makes, and LambdaInvokeFunction's
 * call is `Lambda.invoke`, so it grants `lambda:Invoke` (no such action) beside the
 * `lambda:InvokeFunction` it adds itself (@aws-cdk/integ-tests-alpha lib/assertions/sdk.js). Only that
 * action in the provider's own role (its fixed singleton id) is let pass.
 */
const ASSERTION_STACK_IAM_IGNORED = /^SingletonFunction1488541a7b23466481b69b4408076b81Role\w+ Policies\["Inline"\] Statement\[\d+\]: "lambda:Invoke" is not an action of lambda /;

const templates = fs.existsSync(INTEG_DIR)
  ? fs.readdirSync(INTEG_DIR)
    .filter((d) => d.endsWith('.snapshot'))
    .flatMap((d) => fs.readdirSync(path.join(INTEG_DIR, d))
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => path.join(d, f)))
  : [];

describe('integ snapshot templates pass cfn-lint and the judges', () => {
  test('there are integ snapshots to check', () => {
    expect(templates.length).toBeGreaterThan(0);
  });

  test.each(templates)('%s', async (file) => {
    const template = JSON.parse(fs.readFileSync(path.join(INTEG_DIR, file), 'utf-8'));
    const isAssertionStack = /DeployAssert/.test(path.basename(file));
    const findings = (await cfnLint(template))
      .filter((m) => !(isAssertionStack && m.rule in ASSERTION_STACK_IGNORED))
      .map((m) => `${m.rule} ${m.path}: ${m.message}`);
    expect(findings).toEqual([]);
    expect(stateMachineFindings(template)).toEqual([]);
    expect((await iamFindings(template)).filter((f) => !(isAssertionStack && ASSERTION_STACK_IAM_IGNORED.test(f)))).toEqual([]);
  });
});

// (integ-tests-alpha's assertion stacks, which we do not write and never deploy outside a test run, are not judged.)
describe('integ snapshot templates pass the AWS Control Tower controls', () => {
  test.each(templates.filter((f) => !/DeployAssert/.test(path.basename(f))))('%s', (file) => {
    expect(controlTowerFindings(path.join(INTEG_DIR, file))).toEqual([]);
  });
});

/**
 * integ-runner's snapshot check (the `integ` task) compares the test stacks only: a changed or
 * renamed assertion stack passes it. So each integ app is synthesized again here, with the feature
 * flags integ-runner synthesizes with, and every template must equal its snapshot (bar the
 * per-synth `salt` integ-tests-alpha writes into assertion custom resources).
 */
const INTEG_RUNNER_CONTEXT = require.resolve('@aws-cdk/integ-runner/lib/recommended-feature-flags.json');
const integFiles = fs.readdirSync(INTEG_DIR).filter((f) => /^integ\..*\.ts$/.test(f));

function templatesIn(dir: string): Record<string, unknown> {
  const withoutSalt = (_key: string, value: unknown) => (_key === 'salt' ? undefined : value);
  return Object.fromEntries(fs.readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => [f, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf-8'), withoutSalt)]));
}

describe('integ snapshots are current (assertion stacks included)', () => {
  test.each(integFiles)('%s', (file) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-synth-'));
    try {
      execFileSync(process.execPath, ['-r', 'ts-node/register', path.join(INTEG_DIR, file)], {
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: fs.readFileSync(INTEG_RUNNER_CONTEXT, 'utf-8'),
          TS_NODE_TRANSPILE_ONLY: 'true',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const snapshot = path.join(INTEG_DIR, `${file}.snapshot`);
      expect(fs.existsSync(snapshot)).toBe(true);
      // On a difference: `npx projen integ:update`, after checking the change is intended.
      expect(templatesIn(outdir)).toEqual(templatesIn(snapshot));
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
