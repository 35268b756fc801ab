import { Token } from 'aws-cdk-lib';

/**
 * Throws unless `value` is an integer >= min, for counts with a floor but no ceiling of their own
 * (provisioned concurrency, shard count); `undefined` and tokens pass. The error names the prop,
 * the bound and the value given.
 */
export function validateIntegerAtLeast(prop: string, value: number | undefined, min: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${prop} must be an integer >= ${min}, got ${value}`);
  }
}
