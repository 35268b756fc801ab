import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { controlTowerFindings, libraryResourceIds } from './judges/control-tower';
import { iamFindings } from './judges/iam';
import { stateMachineFindings } from './judges/state-machines';

/** One cfn-lint finding, as cfn_lint_server.py reports it. */
export interface CfnLintMatch {
  readonly rule: string;
  readonly level: string;
  readonly message: string;
  readonly path: string;
}

/**
 * cfn-lint rules that CDK itself breaks in every template, so no construct of ours can fix them.
 * Each entry says why; keep this list short.
 */
export const CFN_LINT_IGNORED: Record<string, string> = {
  W3005: 'CDK adds DependsOn entries that are also implied by Ref/GetAtt (redundant, harmless)',
};

/**
 * Runs cdk-nag's AwsSolutions and Serverless packs over a construct tree and returns every
 * unacknowledged finding (errors and warnings alike) as `RuleId @ construct/path` lines.
 */
export function nagFindings(stack: Stack): string[] {
  const findings: string[] = [];
  for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
    for (const violation of pack.validateScope(stack).violations) {
      for (const resource of violation.violatingResources) {
        findings.push(`${violation.ruleName} @ ${resource.constructPath}: ${violation.description}`);
      }
    }
  }
  return findings;
}

/** Lints one synthesized template with the suite's shared cfn-lint server (see global-setup.ts). */
export async function cfnLint(template: object): Promise<CfnLintMatch[]> {
  const url = process.env.CFN_LINT_URL;
  if (!url) {
    throw new Error('CFN_LINT_URL is not set: run the tests through jest so test/support/global-setup.ts starts cfn-lint');
  }
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(template) });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(`cfn-lint failed on the template: ${JSON.stringify(body)}`);
  }
  return (body as CfnLintMatch[]).filter((m) => !(m.rule in CFN_LINT_IGNORED));
}

/**
 * The quality gate every construct test applies to its default and fullest configurations:
 * the stack's template passes cfn-lint (no error or warning), cdk-nag's AwsSolutions and
 * Serverless packs report no unacknowledged finding, and the judges of meaning find nothing
 * (test/support/judges/; the AWS Control Tower controls on the library's own resources only).
 */
export async function expectCleanStack(stack: Stack): Promise<void> {
  expect(nagFindings(stack)).toEqual([]);
  const template = Template.fromStack(stack).toJSON();
  const lint = await cfnLint(template);
  expect(lint.map((m) => `${m.rule} (${m.level}) ${m.path}: ${m.message}`)).toEqual([]);
  expect(stateMachineFindings(template)).toEqual([]);
  expect(controlTowerFindings(template, libraryResourceIds(stack))).toEqual([]);
  expect(await iamFindings(template)).toEqual([]);
}

/**
 * The template as JSON with asset hashes replaced, for snapshot tests that must not change
 * whenever a bundled handler is rebuilt.
 */
export function templateWithoutAssetHashes(stack: Stack): unknown {
  const json = JSON.stringify(Template.fromStack(stack).toJSON());
  return JSON.parse(json.replace(/[0-9a-f]{64}(\.zip|\.json)?/g, 'ASSET_HASH$1'));
}
