import * as fs from 'fs';
import * as path from 'path';
import { cfnLint } from './support/quality-gates';

/**
 * Every committed integ snapshot template passes cfn-lint. (integ-runner verifies the snapshots
 * are current; each integ file runs cdk-nag through integ/support/gates.ts at synth.)
 */
const INTEG_DIR = path.join(__dirname, '..', 'integ');

/**
 * Findings in integ-tests-alpha's own assertion stack, which we do not write. Each says why.
 */
const ASSERTION_STACK_IGNORED: Record<string, string> = {
  W3037: 'integ-tests-alpha grants the pseudo-action lambda:Invoke beside lambda:InvokeFunction',
};

const templates = fs.existsSync(INTEG_DIR)
  ? fs.readdirSync(INTEG_DIR)
    .filter((d) => d.endsWith('.snapshot'))
    .flatMap((d) => fs.readdirSync(path.join(INTEG_DIR, d))
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => path.join(d, f)))
  : [];

describe('integ snapshot templates pass cfn-lint', () => {
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
  });
});
