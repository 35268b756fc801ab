import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * SNS filter policy limits, checked at synth time so a policy SNS would reject fails with the
 * prop's name instead of at deploy time.
 *
 * @see https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
 */
export const FILTER_POLICY_LIMITS = {
  /** Attribute policies count every key; body policies count only top-level keys. */
  maxKeys: 5,
  /** The product of the number of values in every array of the policy. */
  maxCombinations: 150,
  maxSizeBytes: 256 * 1024,
};

/** Checks a message-attribute filter policy against the SNS limits. */
export function validateFilterPolicy(prop: string, policy: { [attribute: string]: sns.SubscriptionFilter }): void {
  const rendered: Record<string, unknown[]> = {};
  for (const [key, filter] of Object.entries(policy)) rendered[key] = filter.conditions;
  checkLimits(prop, Object.keys(policy).length, Object.values(rendered).map((c) => c.length), rendered);
}

/** Checks a message-body filter policy against the SNS limits. */
export function validateFilterPolicyWithMessageBody(prop: string, policy: { [attribute: string]: sns.FilterOrPolicy }): void {
  const arrayLengths: number[] = [];
  const rendered = renderBodyPolicy(policy, arrayLengths);
  checkLimits(prop, Object.keys(policy).length, arrayLengths, rendered);
}

function renderBodyPolicy(policy: { [attribute: string]: sns.FilterOrPolicy }, arrayLengths: number[]): Record<string, unknown> {
  const rendered: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(policy)) {
    if (value instanceof sns.Policy) {
      rendered[key] = renderBodyPolicy(value.policyDoc, arrayLengths);
    } else if (value instanceof sns.Filter) {
      arrayLengths.push(value.filterDoc.conditions.length);
      rendered[key] = value.filterDoc.conditions;
    }
  }
  return rendered;
}

function checkLimits(prop: string, keys: number, arrayLengths: number[], rendered: unknown): void {
  if (keys > FILTER_POLICY_LIMITS.maxKeys) {
    throw new Error(`${prop} must have at most ${FILTER_POLICY_LIMITS.maxKeys} keys, got ${keys}`);
  }
  const combinations = arrayLengths.reduce((product, n) => product * n, 1);
  if (combinations > FILTER_POLICY_LIMITS.maxCombinations) {
    throw new Error(
      `${prop} must have a total combination of values (the product of every array's length) of at most ${FILTER_POLICY_LIMITS.maxCombinations}, got ${combinations}`,
    );
  }
  const size = Buffer.byteLength(JSON.stringify(rendered), 'utf-8');
  if (size > FILTER_POLICY_LIMITS.maxSizeBytes) {
    throw new Error(`${prop} must be at most ${FILTER_POLICY_LIMITS.maxSizeBytes} bytes as JSON, got ${size}`);
  }
}
