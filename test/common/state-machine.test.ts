import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { GUARD_METADATA_KEY } from '../../src/common/guard';
import { createLoggedStateMachine, createStateMachineLogGroup } from '../../src/common/state-machine';

function build(options: { key?: boolean; retention?: logs.RetentionDays; level?: sfn.LogLevel; includeExecutionData?: boolean } = {}) {
  const stack = new Stack(new App(), 'Stack');
  const scope = new Construct(stack, 'Thing');
  const { logGroup } = createStateMachineLogGroup(scope, {
    encryptionKey: options.key ? new kms.Key(stack, 'MyKey', { enableKeyRotation: true }) : undefined,
    retention: options.retention ?? logs.RetentionDays.ONE_YEAR,
    retentionProp: 'logRetention',
    keyDescription: 'Encrypts test logs',
  });
  createLoggedStateMachine(scope, 'StateMachine', {
    comment: 'test',
    definition: new sfn.Pass(scope, 'Pass'),
    timeout: undefined,
    logGroup,
    level: options.level,
    includeExecutionData: options.includeExecutionData,
  });
  return Template.fromStack(stack);
}

describe('state machine logging', () => {
  test('a vended-logs log group encrypted with a new rotating key the logs service may use', () => {
    const template = build();
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'),
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ThingLogKey'), 'Arn'] },
      RetentionInDays: 365,
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Encrypts test logs',
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'kms:CreateGrant' }),
          Match.objectLike({ Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } }),
        ]),
      },
    });
  });

  test('a given key is used and no key is created', () => {
    const template = build({ key: true });
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] } });
  });

  test('a retention under a year is acknowledged as the caller\'s choice, naming the prop', () => {
    const group = Object.values(build({ retention: logs.RetentionDays.ONE_MONTH }).findResources('AWS::Logs::LogGroup'))[0];
    expect(group.Metadata[GUARD_METADATA_KEY].Reasons.cloudwatch_log_group_retention_period_check).toMatch(/`logRetention`/);
  });

  test('X-Ray and ALL-level logs with execution data by default; level and data as given', () => {
    build().hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
    build({ level: sfn.LogLevel.ERROR, includeExecutionData: false }).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false },
    });
  });
});
