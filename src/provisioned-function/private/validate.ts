import { Token } from 'aws-cdk-lib';
import { validateFunctionDurations } from '../../common/secure-function';
import { allResolved, validateIntegerAtLeast, validateIntegerRange, validateNumberRange } from '../../common/validation';
import type { ProvisionedFunctionProps } from '../provisioned-function';

/** Lambda alias names: letters, digits, `-` and `_`, 1-128 characters, not only digits (that would be a version). */
const ALIAS_NAME = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;

/** Throws unless `low <= high` when both are known at synth time. */
function validateOrder(lowProp: string, low: number | undefined, highProp: string, high: number | undefined): void {
  if (allResolved(low, high) && low! > high!) {
    throw new Error(`${lowProp} (${low}) must be <= ${highProp} (${high})`);
  }
}

/**
 * The synth-time checks of a ProvisionedFunction's props. Values that are tokens are never
 * rejected; a relation between two values is checked only when both are known.
 */
export function validateProvisionedFunctionProps(props: ProvisionedFunctionProps): void {
  if (!Token.isUnresolved(props.aliasName) && props.aliasName !== undefined && !ALIAS_NAME.test(props.aliasName)) {
    throw new Error(`aliasName must be 1-128 letters, digits, '-' or '_' and not only digits, got '${props.aliasName}'`);
  }
  validateIntegerAtLeast('provisionedConcurrency', props.provisionedConcurrency, 1);
  validateFunctionDurations(props);
  if (props.snapStart) {
    // https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html#snapstart-runtimes
    throw new Error('snapStart cannot be combined with provisioned concurrency (Lambda does not support both on one version)');
  }
  validateOrder('provisionedConcurrency', props.provisionedConcurrency, 'reservedConcurrentExecutions', props.reservedConcurrentExecutions);

  const scaling = props.autoScaling;
  if (!scaling) return;
  validateIntegerAtLeast('autoScaling.minCapacity', scaling.minCapacity, 1);
  validateIntegerAtLeast('autoScaling.maxCapacity', scaling.maxCapacity, 1);
  validateNumberRange('autoScaling.utilizationTarget', scaling.utilizationTarget, 0.1, 0.9);
  validateOrder('autoScaling.minCapacity', scaling.minCapacity, 'provisionedConcurrency', props.provisionedConcurrency);
  validateOrder('provisionedConcurrency', props.provisionedConcurrency, 'autoScaling.maxCapacity', scaling.maxCapacity);
  // Scaling past the reserved concurrency would fail at run time, when the capacity is needed.
  validateOrder('autoScaling.maxCapacity', scaling.maxCapacity, 'reservedConcurrentExecutions', props.reservedConcurrentExecutions);

  const min = scaling.minCapacity ?? props.provisionedConcurrency;
  const names = new Set<string>();
  (scaling.schedules ?? []).forEach((s, i) => {
    const label = `autoScaling.schedules[${i}] (${s.name})`;
    if (names.has(s.name)) {
      throw new Error(`${label}: schedule names must be unique, '${s.name}' is used twice`);
    }
    names.add(s.name);
    if (s.minCapacity === undefined && s.maxCapacity === undefined) {
      throw new Error(`${label} must set minCapacity, maxCapacity or both`);
    }
    for (const [prop, value] of [['minCapacity', s.minCapacity], ['maxCapacity', s.maxCapacity]] as const) {
      if (allResolved(value, min, scaling.maxCapacity)) {
        validateIntegerRange(`${label}.${prop}`, value, min, scaling.maxCapacity);
      }
    }
    validateOrder(`${label}.minCapacity`, s.minCapacity, `${label}.maxCapacity`, s.maxCapacity);
  });
}
