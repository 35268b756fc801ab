import { Stack } from 'aws-cdk-lib';
import { nagFindings } from '../../test/support/quality-gates';

/**
 * Holds an integ app to the same cdk-nag bar as the unit tests: call it last in an integ file,
 * with the stacks under test; any unacknowledged finding fails the synthesis, and so integ-runner.
 * cfn-lint runs over the committed snapshot templates in test/integ-snapshots.test.ts.
 *
 * (cdk-nag 3's validation plugin needs a CDK core newer than our 2.257 floor, so the packs run
 * directly. The assertion stack needs no check: integ-tests-alpha writes it as raw CfnResources.)
 */
export function enforceNag(...stacks: Stack[]): void {
  const findings = stacks.flatMap((s) => nagFindings(s));
  if (findings.length > 0) {
    throw new Error(`cdk-nag findings in the integ app:\n  ${findings.join('\n  ')}`);
  }
}
