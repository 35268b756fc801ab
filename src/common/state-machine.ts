import { ArnFormat, Names, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeChosenRetention } from './guard';
import { limitGrantsToAwsServices } from './keys';

export interface StateMachineLogGroupOptions {
  /**
   * The key that encrypts the log group.
   * @default - a new key (`LogKey`) with rotation on, usable by CloudWatch Logs of this account and region
   */
  readonly encryptionKey?: kms.IKey;
  /** How long the logs are kept. */
  readonly retention: logs.RetentionDays;
  /** The construct's prop that sets `retention` (named by the acknowledgement of a short one). */
  readonly retentionProp: string;
  /** What the new key is for, e.g. `Encrypts the execution logs of an EMR pipeline`. */
  readonly keyDescription: string;
}

/** The execution log group of a construct's state machines, and its key. */
export interface StateMachineLogGroup {
  readonly logGroup: logs.LogGroup;
  readonly encryptionKey: kms.IKey;
}

/**
 * A KMS-encrypted log group (`LogGroup`) for state machine execution logs, under
 * `/aws/vendedlogs/states/`. Step Functions delivers logs as vended logs: under that prefix
 * CloudWatch Logs needs no resource policy entry per log group, whose 5,120-character limit an
 * account with many state machines otherwise reaches and fails the deploy (aws-cdk#28900).
 */
export function createStateMachineLogGroup(scope: Construct, options: StateMachineLogGroupOptions): StateMachineLogGroup {
  const encryptionKey = options.encryptionKey ?? createLogKey(scope, options.keyDescription);
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}`,
    encryptionKey,
    retention: options.retention,
  });
  acknowledgeChosenRetention(logGroup, options.retentionProp, options.retention);
  return { logGroup, encryptionKey };
}

export interface LoggedStateMachineProps {
  readonly comment: string;
  readonly definition: sfn.IChainable;
  readonly timeout: sfn.StateMachineProps['timeout'];
  readonly logGroup: logs.ILogGroup;
  /** @default sfn.LogLevel.ALL */
  readonly level?: sfn.LogLevel;
  /** @default true */
  readonly includeExecutionData?: boolean;
}

/** A standard state machine with X-Ray tracing and execution logs in `logGroup`. */
export function createLoggedStateMachine(scope: Construct, id: string, props: LoggedStateMachineProps): sfn.StateMachine {
  return new sfn.StateMachine(scope, id, {
    comment: props.comment,
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    timeout: props.timeout,
    tracingEnabled: true,
    logs: {
      destination: props.logGroup,
      level: props.level ?? sfn.LogLevel.ALL,
      includeExecutionData: props.includeExecutionData ?? true,
    },
  });
}

/** A rotating key that CloudWatch Logs may use for the account's log groups in this region. */
function createLogKey(scope: Construct, description: string): kms.Key {
  const key = new kms.Key(scope, 'LogKey', { description, enableKeyRotation: true });
  limitGrantsToAwsServices(key);
  const stack = Stack.of(scope);
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: '*' }) },
    },
  }));
  return key;
}
