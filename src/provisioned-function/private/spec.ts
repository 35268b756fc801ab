import { FUNCTION_MAX_EVENT_AGE, FUNCTION_TIMEOUT } from '../../common/secure-function';
import { defineSpec, Resolved } from '../../common/spec';
import { allResolved, validateIntegerRange, validateOrder } from '../../common/validation';
import type { ProvisionedConcurrencyAutoScaling, ProvisionedConcurrencySchedule, ProvisionedFunctionProps } from '../provisioned-function';

/** Lambda alias names: letters, digits, `-` and `_`, 1-128 characters, not only digits (that would be a version). */
const ALIAS_NAME = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;

/**
 * Each schedule has a unique name (its construct id) and sets at least one bound, within the
 * auto-scaling range when that is known at synth time, low <= high.
 */
function validateSchedules(schedules: ProvisionedConcurrencySchedule[], path: string, scaling: ProvisionedConcurrencyAutoScaling): void {
  const min = scaling.minCapacity;
  const names = new Set<string>();
  schedules.forEach((s, i) => {
    const label = `${path}[${i}] (${s.name})`;
    if (names.has(s.name)) {
      throw new Error(`${label}: schedule names must be unique, '${s.name}' is used twice`);
    }
    names.add(s.name);
    if (s.minCapacity === undefined && s.maxCapacity === undefined) {
      throw new Error(`${label} must set minCapacity, maxCapacity or both`);
    }
    for (const [prop, value] of [['minCapacity', s.minCapacity], ['maxCapacity', s.maxCapacity]] as const) {
      if (allResolved(value, min, scaling.maxCapacity)) {
        validateIntegerRange(`${label}.${prop}`, value, min!, scaling.maxCapacity);
      }
    }
    validateOrder(`${label}.minCapacity`, s.minCapacity, `${label}.maxCapacity`, s.maxCapacity);
  });
}

/**
 * The props a ProvisionedFunction reads: defaults, ranges and the order 1 <= autoScaling.minCapacity
 * <= provisionedConcurrency <= autoScaling.maxCapacity <= reservedConcurrentExecutions. The other
 * function props are passed on as given.
 */
export const PROVISIONED_FUNCTION_SPEC = defineSpec<ProvisionedFunctionProps>()({
  aliasName: {
    kind: { kind: 'string', pattern: ALIAS_NAME, expected: "1-128 letters, digits, '-' or '_' and not only digits" },
    default: 'live',
    defaultDoc: "'live'",
    readmeDefault: '`live`',
  },
  provisionedConcurrency: {
    kind: { kind: 'integer', min: 1 },
    atMost: ['reservedConcurrentExecutions'],
    readmeDefault: 'required, >= 1',
  },
  timeout: { kind: FUNCTION_TIMEOUT },
  // The asynchronous-invocation options go to the alias's EventInvokeConfig (MaximumRetryAttempts: 0-2).
  onFailure: { kind: { kind: 'other' }, readmeDefault: 'applied to the alias' },
  onSuccess: { kind: { kind: 'other' }, readmeDefault: 'applied to the alias' },
  maxEventAge: { kind: FUNCTION_MAX_EVENT_AGE, readmeDefault: 'applied to the alias' },
  retryAttempts: { kind: { kind: 'integer', min: 0, max: 2 }, readmeDefault: 'applied to the alias' },
  snapStart: {
    kind: { kind: 'other' },
    readmeDefault: 'rejected',
    validate: () => {
      // https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html#snapstart-runtimes
      throw new Error('snapStart cannot be combined with provisioned concurrency (Lambda does not support both on one version)');
    },
  },
  autoScaling: {
    kind: { kind: 'other' },
    defaultDoc: '- fixed provisioned concurrency',
    readmeDefault: 'off',
    fields: {
      minCapacity: {
        kind: { kind: 'integer', min: 1 },
        default: (_scaling: ProvisionedConcurrencyAutoScaling, root: ProvisionedFunctionProps) => root.provisionedConcurrency,
        defaultDoc: '- the `provisionedConcurrency` of the construct',
        readmeDefault: '`minCapacity` = `provisionedConcurrency`',
        atMost: ['provisionedConcurrency'],
      },
      maxCapacity: {
        kind: { kind: 'integer', min: 1 },
        // Scaling past the reserved concurrency would fail at run time, when the capacity is needed.
        atMost: ['reservedConcurrentExecutions'],
        validate: (max, path, _scaling, root: ProvisionedFunctionProps) =>
          validateOrder('provisionedConcurrency', root.provisionedConcurrency, path, max),
      },
      utilizationTarget: {
        kind: { kind: 'number', min: 0.1, max: 0.9 },
        default: 0.7,
        readmeDefault: 'target 0.7 (0.1-0.9)',
      },
      schedules: {
        kind: { kind: 'other' },
        default: () => [],
        defaultDoc: '- no schedules',
        readmeDefault: 'none',
        validate: (schedules, path, scaling) => validateSchedules(schedules, path, scaling),
      },
    },
  },
  deployment: {
    kind: { kind: 'other' },
    defaultDoc: '- each deployment switches the alias to the new version at once',
    readmeDefault: 'off (the alias moves at once)',
    fields: {
      deploymentConfig: { kind: { kind: 'other' } },
      alarms: { kind: { kind: 'other' }, default: () => [], defaultDoc: '- only `newVersionErrorsAlarm` (and a failed hook) roll back' },
      preHook: { kind: { kind: 'other' }, defaultDoc: '- no pre-traffic hook' },
      postHook: { kind: { kind: 'other' }, defaultDoc: '- no post-traffic hook' },
      rollbackOnConstructAlarms: {
        kind: { kind: 'boolean' },
        default: false,
        readmeDefault: '`rollbackOnConstructAlarms: false`',
      },
    },
  },
  alarmTopic: { kind: { kind: 'other' }, defaultDoc: '- alarms without actions', readmeDefault: 'actions on `alarmTopic`' },
});

/** A ProvisionedFunction's props, validated and defaulted: what its constructor wires. */
export type ProvisionedFunctionConfig = Resolved<ProvisionedFunctionProps, typeof PROVISIONED_FUNCTION_SPEC.rows>;
