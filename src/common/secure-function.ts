import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeGuardRule } from './guard';
import { acknowledgeNagRule } from './nag';
import type { PropKind } from './spec';
import { validateDurationRange } from './validation';

/** Defaults a construct applies to the functions it defines, when the user gives none. */
export const SECURE_FUNCTION_DEFAULTS = {
  /** More memory is also more CPU: a better start for latency-sensitive work than Lambda's 128 MB. */
  memorySize: 512,
  timeout: Duration.seconds(30),
  logRetention: logs.RetentionDays.ONE_YEAR,
};

/** Lambda's range of a function's `timeout`, in whole seconds (the spec kind of a construct that takes one). */
export const FUNCTION_TIMEOUT = { kind: 'duration', unit: 'seconds', min: Duration.seconds(1), max: Duration.minutes(15) } as const satisfies PropKind;

/** Lambda's range of an asynchronous invocation's `maxEventAge`, in whole seconds. */
export const FUNCTION_MAX_EVENT_AGE = { kind: 'duration', unit: 'seconds', min: Duration.minutes(1), max: Duration.hours(6) } as const satisfies PropKind;

/**
 * Lambda's limits on the durations of function props the user gives (`prefix` is how the
 * construct's props name them, e.g. `consumerProps.`): both are counted in whole seconds
 * (Timeout, MaximumEventAgeInSeconds), which aws-cdk-lib converts with toSeconds().
 *
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html
 */
export function validateFunctionDurations(props: lambda.FunctionOptions, prefix = ''): void {
  validateDurationRange(`${prefix}timeout`, props.timeout, 'seconds', FUNCTION_TIMEOUT.min, FUNCTION_TIMEOUT.max);
  validateDurationRange(`${prefix}maxEventAge`, props.maxEventAge, 'seconds', FUNCTION_MAX_EVENT_AGE.min, FUNCTION_MAX_EVENT_AGE.max);
}

/**
 * `maxEventAge` as aws-cdk-lib takes it: its range check compares a token's placeholder number and
 * so rejects every token. A token is replaced by a literal in range here, and `writeEventAgeToken`
 * writes it into the EventInvokeConfig afterwards (the value is checked by `validateFunctionDurations`).
 */
export function literalEventAge(maxEventAge: Duration | undefined): Duration | undefined {
  return maxEventAge?.isUnresolved() ? Duration.hours(6) : maxEventAge;
}

/** Writes a token `maxEventAge` into the EventInvokeConfig of `owner` (a function or alias); see `literalEventAge`. */
export function writeEventAgeToken(owner: IConstruct, maxEventAge: Duration | undefined): void {
  if (!maxEventAge?.isUnresolved()) return;
  const config = owner.node.findChild('EventInvokeConfig').node.defaultChild as lambda.CfnEventInvokeConfig;
  config.maximumEventAgeInSeconds = maxEventAge.toSeconds();
}

/**
 * Defines a Lambda function the way every construct of this library does, unless the caller's
 * props say otherwise:
 *
 * - an explicit log group (`<id>LogGroup`) with a one-year retention, instead of an unbounded
 *   implicit one;
 * - its own role (`<id>ServiceRole`) with write access to that log group only, instead of the
 *   AWS-managed AWSLambdaBasicExecutionRole (which may write to any log group);
 * - active X-Ray tracing, whose wildcard permissions sit in a separate `<id>TracingPolicy`, so the
 *   cdk-nag acknowledgement for them covers nothing else the function is granted later;
 * - in a VPC, the ENI permissions Lambda needs, likewise in a separate `<id>NetworkInterfacePolicy`;
 * - explicit memory (512 MB) and timeout (30 s).
 *
 * A role, log group or tracing mode given in `props` is used as is.
 */
export function createSecureFunction(scope: Construct, id: string, props: lambda.FunctionProps): lambda.Function {
  const logGroup = props.logGroup ?? createFunctionLogGroup(scope, `${id}LogGroup`);
  const ownRole = props.role === undefined;
  const role = props.role ?? new iam.Role(scope, `${id}ServiceRole`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  // Tracing is set on the L1 below: the L2 would add its `xray:*` on `*` statement to the role's
  // default policy, where an acknowledgement would also hide any later wildcard grant.
  const activeTracing = ownRole && (props.tracing === undefined || props.tracing === lambda.Tracing.ACTIVE);

  const fn = new lambda.Function(scope, id, {
    ...props,
    // (after the spread: a key present with the value undefined must not remove a default)
    memorySize: props.memorySize ?? SECURE_FUNCTION_DEFAULTS.memorySize,
    timeout: props.timeout ?? SECURE_FUNCTION_DEFAULTS.timeout,
    maxEventAge: literalEventAge(props.maxEventAge),
    tracing: activeTracing ? undefined : props.tracing,
    logGroup,
    role,
  });
  writeEventAgeToken(fn, props.maxEventAge);
  if (!props.vpc) {
    acknowledgeGuardRule(fn, 'lambda_inside_vpc_check',
      'The function reaches only AWS service endpoints, which need no VPC; it is attached to one when a `vpc` is given.');
  }

  if (ownRole) {
    // (props.logGroup is only an ILogGroupRef, which has no grantWrite.)
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resourceArns: [logGroup.logGroupRef.logGroupArn],
    });
    if (activeTracing) {
      (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE };
      const tracing = new iam.Policy(scope, `${id}TracingPolicy`, {
        roles: [role as iam.IRole],
        statements: [new iam.PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        })],
      });
      fn.node.addDependency(tracing);
      acknowledgeNagRule(tracing, 'AwsSolutions-IAM5[Resource::*]',
        'X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions; this policy holds nothing else.');
    }
    if (props.vpc) {
      const eni = new iam.Policy(scope, `${id}NetworkInterfacePolicy`, {
        roles: [role as iam.IRole],
        statements: [new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        })],
      });
      // The function must not be created before it may attach to the VPC.
      fn.node.addDependency(eni);
      acknowledgeNagRule(eni, 'AwsSolutions-IAM5[Resource::*]',
        'The EC2 network-interface actions Lambda needs to attach a function to a VPC do not support resource-level permissions (the same actions as AWSLambdaVPCAccessExecutionRole); this policy holds nothing else.');
    }
  }
  return fn;
}

/**
 * The one-year log group a construct gives a function of its own. It is not encrypted with a
 * customer-managed key (Control Tower CT.CLOUDWATCH.PR.3), which is acknowledged here, once.
 */
export function createFunctionLogGroup(scope: Construct, id: string): logs.LogGroup {
  const logGroup = new logs.LogGroup(scope, id, { retention: SECURE_FUNCTION_DEFAULTS.logRetention });
  acknowledgeGuardRule(logGroup, 'cloudwatch_log_group_encrypted_check',
    'CloudWatch Logs always encrypts log data at rest; a customer-managed key (a key policy for the logs service, per log group) is left to callers, who may pass their own log group in the function props.');
  return logGroup;
}
