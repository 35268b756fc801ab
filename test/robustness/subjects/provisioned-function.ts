import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as fc from 'fast-check';
import { ProvisionedFunction, ProvisionedFunctionProps } from '../../../src';
import { acknowledgeNagRule } from '../../../src/common/nag';
import { createSecureFunction } from '../../../src/common/secure-function';
import { PROVISIONED_FUNCTION_SPEC } from '../../../src/provisioned-function/private/spec';
import { faultableRows, faultyValue, validValue } from '../../support/spec-values';
import { FuzzCase, RobustnessSubject, numberToken } from '../support/subject';

const ROWS = PROVISIONED_FUNCTION_SPEC.rows;
const SCALING_ROWS = ROWS.autoScaling.fields;

const code = lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });');
const functionProps = { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code };
const CONFIGS = ['CANARY_10PERCENT_5MINUTES', 'LINEAR_10PERCENT_EVERY_1MINUTE', 'ALL_AT_ONCE'] as const;

interface ScheduleDraft {
  readonly name: string;
  readonly cron: boolean;
  readonly minCapacity?: number;
  readonly maxCapacity?: number;
  readonly newYork: boolean;
}
interface Draft {
  readonly aliasName?: string;
  readonly provisionedConcurrency: number;
  readonly reservedConcurrentExecutions?: number;
  readonly timeout?: Duration;
  readonly maxEventAge?: Duration;
  readonly retryAttempts?: number;
  readonly memorySize?: number;
  readonly autoScaling?: {
    readonly minCapacity?: number;
    readonly maxCapacity: number;
    readonly utilizationTarget?: number;
    readonly schedules: ScheduleDraft[];
  };
  readonly deployment?: {
    readonly config: typeof CONFIGS[number];
    readonly alarm: boolean;
    readonly preHook: boolean;
    readonly postHook: boolean;
    readonly rollbackOnConstructAlarms?: boolean;
  };
  readonly alarmTopic: boolean;
  /** Pass provisionedConcurrency and the capacities as deploy-time tokens. */
  readonly tokens: boolean;
}

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** An optional value the spec's row accepts, its bounds included. */
const specValue = <T>(rule: { readonly kind: Parameters<typeof validValue>[0] }) => opt(validValue(rule.kind) as fc.Arbitrary<T>);

/** A valid draft: min <= provisioned <= max <= reserved, schedules within [min, max] with unique names. */
const draft: fc.Arbitrary<Draft> = fc.record({
  aliasName: opt(fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/)),
  provisionedConcurrency: validValue(ROWS.provisionedConcurrency.kind) as fc.Arbitrary<number>,
  belowProvisioned: fc.nat(),
  aboveProvisioned: fc.integer({ min: 0, max: 100 }),
  reservedSlack: opt(fc.integer({ min: 0, max: 500 })),
  timeout: specValue<Duration>(ROWS.timeout),
  maxEventAge: specValue<Duration>(ROWS.maxEventAge),
  retryAttempts: specValue<number>(ROWS.retryAttempts),
  memorySize: opt(fc.integer({ min: 128, max: 10_240 })),
  scaling: fc.boolean(),
  giveMin: fc.boolean(),
  utilizationTarget: specValue<number>(SCALING_ROWS.utilizationTarget),
  schedules: fc.uniqueArray(fc.record({
    name: fc.stringMatching(/^[A-Z][a-zA-Z]{0,10}$/),
    cron: fc.boolean(),
    lowShare: opt(fc.double({ min: 0, max: 1, noNaN: true })),
    highShare: opt(fc.double({ min: 0, max: 1, noNaN: true })),
    newYork: fc.boolean(),
  }), { maxLength: 2, selector: (s) => s.name }),
  deployment: opt(fc.record({
    config: fc.constantFrom(...CONFIGS),
    alarm: fc.boolean(),
    preHook: fc.boolean(),
    postHook: fc.boolean(),
    rollbackOnConstructAlarms: opt(fc.boolean()),
  })),
  alarmTopic: fc.boolean(),
  tokens: fc.boolean(),
}).map((r): Draft => {
  const pc = r.provisionedConcurrency;
  const minCapacity = r.giveMin ? 1 + (r.belowProvisioned % pc) : undefined;
  const maxCapacity = pc + r.aboveProvisioned;
  const low = minCapacity ?? pc;
  const within = (share: number) => low + Math.floor(share * (maxCapacity - low));
  const schedules = r.schedules.map((s): ScheduleDraft => ({
    name: s.name,
    cron: s.cron,
    newYork: s.newYork,
    // At least one bound per schedule.
    minCapacity: s.lowShare === undefined && s.highShare === undefined ? low : s.lowShare === undefined ? undefined : within(s.lowShare),
    maxCapacity: s.highShare === undefined ? undefined : Math.max(within(s.highShare), s.lowShare === undefined ? low : within(s.lowShare)),
  }));
  return {
    aliasName: r.aliasName,
    provisionedConcurrency: pc,
    reservedConcurrentExecutions: r.reservedSlack === undefined ? undefined : (r.scaling ? maxCapacity : pc) + r.reservedSlack,
    timeout: r.timeout,
    maxEventAge: r.maxEventAge,
    retryAttempts: r.retryAttempts,
    memorySize: r.memorySize,
    autoScaling: r.scaling ? { minCapacity, maxCapacity, utilizationTarget: r.utilizationTarget, schedules } : undefined,
    deployment: r.deployment,
    alarmTopic: r.alarmTopic,
    tokens: r.tokens,
  };
});

function toProps(d: Draft, stack: Stack): ProvisionedFunctionProps {
  const n = (x: number | undefined) => (x === undefined || !d.tokens ? x : numberToken(x));
  const hook = (id: string) => {
    const fn = createSecureFunction(stack, id, functionProps);
    acknowledgeNagRule(fn, 'Serverless-LambdaDLQ', 'fuzz: a CodeDeploy hook reports through PutLifecycleEventHookExecutionStatus');
    return fn;
  };
  const s = d.autoScaling;
  const dep = d.deployment;
  return {
    ...functionProps,
    aliasName: d.aliasName,
    provisionedConcurrency: n(d.provisionedConcurrency)!,
    reservedConcurrentExecutions: d.reservedConcurrentExecutions,
    timeout: d.timeout,
    maxEventAge: d.maxEventAge,
    retryAttempts: d.retryAttempts,
    ...(d.memorySize === undefined ? {} : { memorySize: d.memorySize }),
    autoScaling: s && {
      minCapacity: n(s.minCapacity),
      maxCapacity: n(s.maxCapacity)!,
      utilizationTarget: s.utilizationTarget,
      schedules: s.schedules.map((x) => ({
        name: x.name,
        schedule: x.cron ? appscaling.Schedule.cron({ hour: '8', minute: '0', weekDay: 'MON-FRI' }) : appscaling.Schedule.rate(Duration.hours(6)),
        minCapacity: x.minCapacity,
        maxCapacity: x.maxCapacity,
        timeZone: x.cron && x.newYork ? TimeZone.AMERICA_NEW_YORK : undefined,
      })),
    },
    deployment: dep && {
      deploymentConfig: codedeploy.LambdaDeploymentConfig[dep.config],
      alarms: dep.alarm ? [new cloudwatch.Alarm(stack, 'Errors', {
        metric: new cloudwatch.Metric({ namespace: 'Orders', metricName: 'Errors' }), threshold: 1, evaluationPeriods: 1,
      })] : undefined,
      preHook: dep.preHook ? hook('PreHook') : undefined,
      postHook: dep.postHook ? hook('PostHook') : undefined,
      rollbackOnConstructAlarms: dep.rollbackOnConstructAlarms,
    },
    alarmTopic: d.alarmTopic
      ? new sns.Topic(stack, 'Topic', { enforceSSL: true, masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }) })
      : undefined,
  };
}

interface Fault { readonly prop: string; readonly apply: (p: ProvisionedFunctionProps, d: Draft) => ProvisionedFunctionProps | undefined }
const fault = (prop: string, apply: Fault['apply']): Fault => ({ prop, apply });
const scalingOf = (p: ProvisionedFunctionProps) => p.autoScaling ?? { maxCapacity: p.provisionedConcurrency };
/** Sets `path` of the props (a top-level prop, or `autoScaling.<field>`) to `value`. */
function withValue(p: ProvisionedFunctionProps, path: string, value: unknown): ProvisionedFunctionProps {
  const [key, field] = path.split('.');
  if (key === 'autoScaling') {
    // Schedules are checked against the scaling range: without them the fault is the only one.
    return { ...p, autoScaling: { ...scalingOf(p), schedules: [], [field]: value } };
  }
  // A bad provisionedConcurrency alone: no scaling range or reserved concurrency to compare it with.
  const alone = key === 'provisionedConcurrency' ? { autoScaling: undefined, reservedConcurrentExecutions: undefined } : {};
  return { ...p, ...alone, [key]: value };
}

/** Every row with a range: below its minimum, above its maximum, a fraction of its unit (issue 18). */
const rangeFaults = faultableRows(ROWS).map(({ path, kind }) =>
  faultyValue(kind)!.map((v) => fault(path, (p) => withValue(p, path, v))));

const faults: fc.Arbitrary<Fault> = fc.oneof(
  fc.constantFrom('42', 'has space', 'x'.repeat(129), '', '$LATEST').map((aliasName) => fault('aliasName', (p) => ({ ...p, aliasName }))),
  ...rangeFaults,
  fc.constant(fault('snapStart', (p) => ({ ...p, snapStart: lambda.SnapStartConf.ON_PUBLISHED_VERSIONS }))),
  // The relations are checked only between known values: these faults apply to drafts without tokens.
  fc.constant(fault('reservedConcurrentExecutions', (p, d) => (d.tokens || d.provisionedConcurrency < 2 ? undefined
    : { ...p, reservedConcurrentExecutions: d.provisionedConcurrency - 1 }))),
  fc.constant(fault('autoScaling.minCapacity', (p, d) => (d.tokens ? undefined
    : { ...p, autoScaling: { minCapacity: d.provisionedConcurrency + 1, maxCapacity: d.provisionedConcurrency + 1, schedules: [] } }))),
  fc.constant(fault('autoScaling.maxCapacity', (p, d) => (d.tokens || d.provisionedConcurrency < 2 ? undefined
    : { ...p, autoScaling: { ...scalingOf(p), minCapacity: 1, maxCapacity: d.provisionedConcurrency - 1, schedules: [] } }))),
  fc.constant(fault('autoScaling.schedules', (p) => {
    const twice = { name: 'Peak', schedule: appscaling.Schedule.rate(Duration.hours(1)), minCapacity: scalingOf(p).minCapacity };
    return { ...p, autoScaling: { ...scalingOf(p), schedules: [twice, twice] } };
  })),
  fc.constant(fault('autoScaling.schedules', (p) => ({
    ...p, autoScaling: { ...scalingOf(p), schedules: [{ name: 'Empty', schedule: appscaling.Schedule.rate(Duration.hours(1)) }] },
  }))),
  fc.constant(fault('autoScaling.schedules', (p, d) => (d.tokens ? undefined : {
    ...p,
    autoScaling: {
      ...scalingOf(p),
      schedules: [{ name: 'Above', schedule: appscaling.Schedule.rate(Duration.hours(1)), maxCapacity: scalingOf(p).maxCapacity + 1 }],
    },
  }))),
);

const cases: fc.Arbitrary<FuzzCase> = fc.tuple(draft, fc.option(faults, { nil: undefined, freq: 2 })).map(([d, f]): FuzzCase => ({
  label: `${JSON.stringify(d)}${f ? ` + bad ${f.prop}` : ''}`,
  // A fault that does not apply to this draft leaves a valid case.
  fault: f && f.apply({ ...functionProps, provisionedConcurrency: 1 }, d) !== undefined ? f.prop : undefined,
  // Asynchronous-invocation options without an onFailure destination: what cdk-nag's rule is about.
  nagRules: d.maxEventAge !== undefined || d.retryAttempts !== undefined ? ['Serverless-LambdaAsyncFailureDestination'] : undefined,
  build: (stack) => {
    const props = toProps(d, stack);
    new ProvisionedFunction(stack, 'Api', (f && f.apply(props, d)) ?? props);
  },
}));

export const subject: RobustnessSubject = {
  name: 'ProvisionedFunction',
  cases,
  configurations: {
    default: (stack) => new ProvisionedFunction(stack, 'Api', { ...functionProps, provisionedConcurrency: 2 }),
    fullest: (stack) => new ProvisionedFunction(stack, 'Api', toProps({
      aliasName: 'prod',
      provisionedConcurrency: 5,
      reservedConcurrentExecutions: 50,
      timeout: Duration.seconds(10),
      memorySize: 1769,
      autoScaling: {
        minCapacity: 2,
        maxCapacity: 40,
        utilizationTarget: 0.6,
        schedules: [{ name: 'BusinessHours', cron: true, minCapacity: 20, newYork: true }],
      },
      deployment: { config: 'CANARY_10PERCENT_5MINUTES', alarm: true, preHook: true, postHook: true, rollbackOnConstructAlarms: true },
      alarmTopic: true,
      tokens: false,
    }, stack)),
  },
};
