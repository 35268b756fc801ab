import { App, CfnParameter, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import { acknowledgeNagRule } from '../../src/common/nag';
import { createSecureFunction } from '../../src/common/secure-function';
import { createDeadLetterQueue, createSecureQueue } from '../../src/common/secure-queue';
import { ProvisionedFunction, ProvisionedFunctionProps } from '../../src/provisioned-function';
import { expectWholeDurationProp } from '../support/durations';
import { expectCleanStack, nagFindings, templateWithoutAssetHashes } from '../support/quality-gates';

const code = lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });');
const base = { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code, provisionedConcurrency: 2 };

function build(props: Partial<ProvisionedFunctionProps> = {}) {
  const stack = new Stack(new App(), 'S');
  const fn = new ProvisionedFunction(stack, 'Api', { ...base, ...props });
  return { stack, fn, t: Template.fromStack(stack) };
}

function synthError(props: Partial<ProvisionedFunctionProps>): () => void {
  return () => build(props);
}

/** A hook function CodeDeploy invokes (a test double: the construct only wires it). */
function hook(stack: Stack, id: string): lambda.Function {
  const fn = createSecureFunction(stack, id, { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code });
  acknowledgeNagRule(fn, 'Serverless-LambdaDLQ', 'test: a CodeDeploy hook reports its result through PutLifecycleEventHookExecutionStatus');
  return fn;
}

/** An SNS topic that passes cdk-nag (KMS-encrypted, TLS only). */
function secureTopic(stack: Stack): sns.Topic {
  return new sns.Topic(stack, 'Topic', { enforceSSL: true, masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }) });
}

function acknowledgedIds(fn: lambda.Function): string[] {
  return fn.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.keys(m.data))
    // aws-cdk-lib < 2.262.1 writes the prefix as 'annotation::', later versions 'Annotation::'.
    .map((id) => id.replace(/^annotation::/i, ''));
}

describe('ProvisionedFunction defaults', () => {
  test('the alias "live" points at the published current version and holds the provisioned concurrency', async () => {
    const { stack, t } = build();
    t.resourceCountIs('AWS::Lambda::Version', 1);
    const versionId = Object.keys(t.findResources('AWS::Lambda::Version'))[0];
    t.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] },
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    await expectCleanStack(stack);
  });

  test('the function gets the library defaults (memory, timeout, tracing, own log group)', () => {
    const { t } = build();
    t.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ApiFunctionLogGroup') } },
    });
  });

  test('no auto-scaling, deployment group or asynchronous invoke config', () => {
    const { fn, t } = build();
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    t.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
    t.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
    expect(fn.scalableTarget).toBeUndefined();
    expect(fn.deploymentGroup).toBeUndefined();
    expect(t.findResources('AWS::Lambda::Alias', { UpdatePolicy: Match.anyValue() })).toEqual({});
  });

  test('a spillover alarm fires on the first invocation served outside provisioned concurrency', () => {
    const { fn, t } = build();
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ProvisionedConcurrencySpilloverInvocations',
      Namespace: 'AWS/Lambda',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^ApiFunction') } },
        { Name: 'Resource', Value: { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('^ApiFunction') }, ':live']] } },
      ],
      Statistic: 'Sum',
      Period: 60,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
    });
    expect(fn.alarms).toHaveLength(2);
  });

  test('a utilization alarm fires after five minutes over 90% on average', () => {
    const { t } = build();
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ProvisionedConcurrencyUtilization',
      Statistic: 'Average',
      Period: 60,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0.9,
      EvaluationPeriods: 5,
      Dimensions: Match.arrayWith([{ Name: 'Resource', Value: Match.anyValue() }]),
    });
  });

  test('Serverless-LambdaDLQ is acknowledged (synchronous callers) when no dead-letter target or destination is given', () => {
    const { fn } = build();
    expect(acknowledgedIds(fn.lambdaFunction)).toEqual(['Serverless-LambdaDLQ']);
  });

  test('grantPrincipal is the function role', () => {
    const { fn } = build();
    expect(fn.grantPrincipal).toBe(fn.lambdaFunction.role);
    expect(fn.version).toBe(fn.lambdaFunction.currentVersion);
  });

  test('snapshot (complement to the assertions above)', () => {
    const { stack } = build();
    expect(templateWithoutAssetHashes(stack)).toMatchSnapshot();
  });
});

describe('ProvisionedFunction overrides', () => {
  test('alias name, provisioned concurrency and function props', () => {
    const { t } = build({ aliasName: 'prod', provisionedConcurrency: 7, memorySize: 1024, timeout: Duration.minutes(15) });
    t.hasResourceProperties('AWS::Lambda::Alias', { Name: 'prod', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 7 } });
    t.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, Timeout: 900 });
  });

  test('auto-scaling defaults: floor at provisionedConcurrency, target tracking at 0.7', () => {
    const { fn, t } = build({ provisionedConcurrency: 3, autoScaling: { maxCapacity: 12 } });
    expect(fn.provisionedConcurrencyFloor).toBe(3);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 3,
      MaxCapacity: 12,
      ServiceNamespace: 'lambda',
      ScalableDimension: 'lambda:function:ProvisionedConcurrency',
      ResourceId: { 'Fn::Join': ['', Match.arrayWith(['function:', ':live'])] },
      ScheduledActions: Match.absent(),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'LambdaProvisionedConcurrencyUtilization' },
        TargetValue: 0.7,
      },
    });
    expect(fn.scalableTarget).toBeDefined();
  });

  test('with auto-scaling the scalable target alone owns the provisioned concurrency: the alias has none', () => {
    // An alias with ProvisionedConcurrencyConfig would set the value back to provisionedConcurrency
    // on every update CloudFormation makes to it (each new version), dropping a scaled-up or
    // scheduled floor. Registering the scalable target moves the current value into [min, max]
    // (RegisterScalableTarget API reference), so the floor is allocated without the alias.
    const { fn, t } = build({ provisionedConcurrency: 3, autoScaling: { maxCapacity: 12 } });
    t.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: Match.absent() });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3 });
    // The target names the alias through its Ref, so CloudFormation creates it once the alias exists.
    const target = Object.values(t.findResources('AWS::ApplicationAutoScaling::ScalableTarget'))[0];
    expect(JSON.stringify(target.Properties.ResourceId)).toContain(`"Ref":"${Stack.of(fn).getLogicalId(fn.alias.node.defaultChild as lambda.CfnAlias)}"`);
  });

  test('removing auto-scaling hands the value back to the alias, so no orphaned capacity is left', () => {
    // aws-cdk #31507: deleting a scalable target leaves the provisioned concurrency it set. Without
    // autoScaling the alias declares the value again, and its update replaces what was left.
    const withScaling = build({ provisionedConcurrency: 4, autoScaling: { maxCapacity: 12 } }).t;
    const without = build({ provisionedConcurrency: 4 }).t;
    withScaling.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
    without.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    without.hasResourceProperties('AWS::Lambda::Alias', { ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 4 } });
    // Same logical id for the alias in both: an update of the one alias, not a replacement.
    expect(Object.keys(withScaling.findResources('AWS::Lambda::Alias'))).toEqual(Object.keys(without.findResources('AWS::Lambda::Alias')));
  });

  test('auto-scaling overrides: bounds, target and a business-hours schedule in a time zone', () => {
    const { t } = build({
      provisionedConcurrency: 2,
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 20,
        utilizationTarget: 0.5,
        schedules: [
          { name: 'BusinessHours', schedule: appscaling.Schedule.cron({ weekDay: 'MON-FRI', hour: '8', minute: '0' }), minCapacity: 10, timeZone: TimeZone.EUROPE_BERLIN },
          { name: 'Evening', schedule: appscaling.Schedule.cron({ weekDay: 'MON-FRI', hour: '19', minute: '0' }), minCapacity: 1, maxCapacity: 5 },
        ],
      },
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 20,
      ScheduledActions: [
        { ScheduledActionName: 'BusinessHours', Schedule: 'cron(0 8 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 10 }, Timezone: 'Europe/Berlin' },
        { ScheduledActionName: 'Evening', Schedule: 'cron(0 19 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 5 } },
      ],
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 0.5 }),
    });
  });

  test('gradual deployment rolls back on errors of the new version alone (ExecutedVersion), and on a failed hook', () => {
    const { stack, fn, t } = build({ deployment: { deploymentConfig: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES } });
    const functionRef = { Ref: stack.getLogicalId(fn.lambdaFunction.node.defaultChild as lambda.CfnFunction) };
    const versionId = Object.keys(t.findResources('AWS::Lambda::Version'))[0];
    // The dimensions Lambda emits for invocations through an alias, per version that ran them
    // (Lambda developer guide, "Viewing metrics": ExecutedVersion; AWS SAM's safe deployments
    // example alarms on exactly FunctionName, Resource '<function>:<alias>' and ExecutedVersion).
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [
        { Name: 'ExecutedVersion', Value: { 'Fn::GetAtt': [versionId, 'Version'] } },
        { Name: 'FunctionName', Value: functionRef },
        { Name: 'Resource', Value: { 'Fn::Join': ['', [functionRef, ':live']] } },
      ],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    });
    t.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: {
        Enabled: true,
        Alarms: [{ Name: { Ref: stack.getLogicalId(fn.newVersionErrorsAlarm!.node.defaultChild as cloudwatch.CfnAlarm) } }],
      },
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
    });
    expect(fn.alarms).not.toContain(fn.newVersionErrorsAlarm);
  });

  test('gradual deployment with auto-scaling: the alias stays without provisioned concurrency', async () => {
    const { stack, t } = build({
      autoScaling: { maxCapacity: 8 },
      deployment: { deploymentConfig: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE },
    });
    t.hasResource('AWS::Lambda::Alias', {
      Properties: Match.objectLike({ ProvisionedConcurrencyConfig: Match.absent() }),
      UpdatePolicy: { CodeDeployLambdaAliasUpdate: Match.anyValue() },
    });
    await expectCleanStack(stack);
  });

  test('gradual deployment: CodeDeploy shifts the alias, user alarms roll back, hooks run', () => {
    const stack = new Stack(new App(), 'S');
    const errors = new cloudwatch.Alarm(stack, 'Errors', { metric: new cloudwatch.Metric({ namespace: 'A', metricName: 'B' }), threshold: 1, evaluationPeriods: 1 });
    const fn = new ProvisionedFunction(stack, 'Api', {
      ...base,
      deployment: {
        deploymentConfig: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
        alarms: [errors],
        preHook: hook(stack, 'PreHook'),
        postHook: hook(stack, 'PostHook'),
      },
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
      AlarmConfiguration: {
        Enabled: true,
        Alarms: [{ Name: { Ref: Match.stringLikeRegexp('^ApiNewVersionErrorsAlarm') } }, { Name: { Ref: Match.stringLikeRegexp('^Errors') } }],
      },
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
    });
    t.hasResource('AWS::Lambda::Alias', {
      UpdatePolicy: {
        CodeDeployLambdaAliasUpdate: {
          ApplicationName: { Ref: Match.stringLikeRegexp('^ApiDeploymentGroupApplication') },
          DeploymentGroupName: { Ref: Match.stringLikeRegexp('^ApiDeploymentGroup') },
          BeforeAllowTrafficHook: { Ref: Match.stringLikeRegexp('^PreHook') },
          AfterAllowTrafficHook: { Ref: Match.stringLikeRegexp('^PostHook') },
        },
      },
    });
    expect(fn.deploymentGroup).toBeDefined();
  });

  test('the construct alarms roll back a deployment only when asked', () => {
    const { t } = build({
      deployment: { deploymentConfig: codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE, rollbackOnConstructAlarms: true },
    });
    t.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: {
        Enabled: true,
        Alarms: [
          { Name: { Ref: Match.stringLikeRegexp('^ApiNewVersionErrorsAlarm') } },
          { Name: { Ref: Match.stringLikeRegexp('^ApiSpilloverAlarm') } },
          { Name: { Ref: Match.stringLikeRegexp('^ApiHighUtilizationAlarm') } },
        ],
      },
    });
    const without = build({ deployment: { deploymentConfig: codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE } }).t;
    without.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: { Enabled: true, Alarms: [{ Name: { Ref: Match.stringLikeRegexp('^ApiNewVersionErrorsAlarm') } }] },
    });
  });

  test('an alarm topic is notified on ALARM and on OK', () => {
    const stack = new Stack(new App(), 'S');
    const topic = secureTopic(stack);
    new ProvisionedFunction(stack, 'Api', { ...base, alarmTopic: topic });
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms)).toHaveLength(2);
    for (const alarm of Object.values(alarms)) {
      expect(stack.resolve(alarm.Properties.AlarmActions)).toEqual([{ Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }]);
      expect(stack.resolve(alarm.Properties.OKActions)).toEqual([{ Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }]);
    }
  });

  test('asynchronous-invocation options configure the alias, not $LATEST', async () => {
    const stack = new Stack(new App(), 'S');
    const failures = createDeadLetterQueue(stack, 'Failures');
    const fn = new ProvisionedFunction(stack, 'Api', {
      ...base,
      onFailure: new destinations.SqsDestination(failures),
      retryAttempts: 1,
      maxEventAge: Duration.hours(1),
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      // The alias's qualifier, taken from its ARN.
      Qualifier: { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: Match.stringLikeRegexp('^ApiAlias') }] }] },
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Failures'), 'Arn'] } } },
    });
    expect(acknowledgedIds(fn.lambdaFunction)).toEqual(['Serverless-LambdaDLQ']);
    await expectCleanStack(stack);
  });

  test('a token maxEventAge reaches the alias\'s EventInvokeConfig (aws-cdk-lib\'s range check would refuse it)', () => {
    const stack = new Stack(new App(), 'S');
    const age = new CfnParameter(stack, 'Age', { type: 'Number' });
    new ProvisionedFunction(stack, 'Api', { ...base, maxEventAge: Duration.seconds(age.valueAsNumber) });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: { Ref: 'Age' } });
  });

  test('a dead-letter queue satisfies Serverless-LambdaDLQ, so nothing is acknowledged', async () => {
    const stack = new Stack(new App(), 'S');
    const fn = new ProvisionedFunction(stack, 'Api', { ...base, deadLetterQueue: createDeadLetterQueue(stack, 'Dlq') });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Dlq'), 'Arn'] } },
    });
    expect(acknowledgedIds(fn.lambdaFunction)).toEqual([]);
    await expectCleanStack(stack);
  });

  test('grantInvoke grants on the alias ARN only', () => {
    const stack = new Stack(new App(), 'S');
    const fn = new ProvisionedFunction(stack, 'Api', base);
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    fn.grantInvoke(caller);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: { Statement: [{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('^ApiAlias') } }] },
    });
  });

  test('addEventSource subscribes the alias', () => {
    const stack = new Stack(new App(), 'S');
    const fn = new ProvisionedFunction(stack, 'Api', base);
    fn.addEventSource(new sources.SqsEventSource(createSecureQueue(stack, 'Queue')));
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { 'Fn::Join': ['', [{ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: Match.stringLikeRegexp('^ApiAlias') }] }] }, ':live']] },
    });
    // The queue permissions go to the function role, the alias's principal.
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ApiFunctionServiceRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sqs:ReceiveMessage']) })]) },
    });
  });

  test('metrics are the alias metrics (FunctionName and Resource dimensions) with their statistics', () => {
    const { stack, fn } = build();
    const expectMetric = (metric: cloudwatch.Metric, name: string, statistic: string) => {
      expect(metric.metricName).toBe(name);
      expect(metric.namespace).toBe('AWS/Lambda');
      expect(metric.statistic).toBe(statistic);
      expect(stack.resolve(metric.dimensions)).toEqual({
        FunctionName: { Ref: stack.getLogicalId(fn.lambdaFunction.node.defaultChild as lambda.CfnFunction) },
        Resource: { 'Fn::Join': ['', [{ Ref: stack.getLogicalId(fn.lambdaFunction.node.defaultChild as lambda.CfnFunction) }, ':live']] },
      });
    };
    expectMetric(fn.metricProvisionedConcurrencyUtilization(), 'ProvisionedConcurrencyUtilization', 'Maximum');
    expectMetric(fn.metricProvisionedConcurrencySpilloverInvocations(), 'ProvisionedConcurrencySpilloverInvocations', 'Sum');
    expectMetric(fn.metricInvocations(), 'Invocations', 'Sum');
    expectMetric(fn.metricErrors(), 'Errors', 'Sum');
    expectMetric(fn.metricDuration(), 'Duration', 'Average');
    expectMetric(fn.metricThrottles(), 'Throttles', 'Sum');
    expectMetric(fn.metricProvisionedConcurrentExecutions(), 'ProvisionedConcurrentExecutions', 'Maximum');
    expectMetric(fn.metric('ProvisionedConcurrencyInvocations'), 'ProvisionedConcurrencyInvocations', 'Average');
    // The library's default period (aws-cdk-lib's); metricNewVersionErrors alone has 1 minute.
    expect(fn.metricProvisionedConcurrentExecutions().period.toMinutes()).toBe(5);
    expect(fn.metricNewVersionErrors().period.toMinutes()).toBe(1);
    expect(fn.metricDuration({ statistic: 'p99', period: Duration.minutes(1) }).statistic).toBe('p99');
  });

  test('fullest configuration passes cfn-lint and cdk-nag', async () => {
    const stack = new Stack(new App(), 'S');
    const errors = new cloudwatch.Alarm(stack, 'Errors', { metric: new cloudwatch.Metric({ namespace: 'A', metricName: 'B' }), threshold: 1, evaluationPeriods: 1 });
    const fn = new ProvisionedFunction(stack, 'Api', {
      ...base,
      aliasName: 'prod',
      provisionedConcurrency: 5,
      reservedConcurrentExecutions: 50,
      memorySize: 1769,
      timeout: Duration.seconds(10),
      environment: { STAGE: 'prod' },
      autoScaling: {
        minCapacity: 2,
        maxCapacity: 40,
        utilizationTarget: 0.6,
        schedules: [{ name: 'BusinessHours', schedule: appscaling.Schedule.cron({ weekDay: 'MON-FRI', hour: '8', minute: '0' }), minCapacity: 20, timeZone: TimeZone.AMERICA_NEW_YORK }],
      },
      deployment: {
        deploymentConfig: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
        alarms: [errors],
        preHook: hook(stack, 'PreHook'),
        postHook: hook(stack, 'PostHook'),
        rollbackOnConstructAlarms: true,
      },
      alarmTopic: secureTopic(stack),
    });
    fn.grantInvoke(new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
    await expectCleanStack(stack);
    // The managed-policy acknowledgement covers exactly CodeDeploy's policy, nothing else.
    fn.deploymentGroup!.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess'));
    expect(nagFindings(stack)).toEqual([expect.stringMatching(/^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/AdministratorAccess\] @ S\/Api\/DeploymentGroup\/ServiceRole/)]);
  });
});

describe('ProvisionedFunction validation', () => {
  test.each([0, -1, 1.5])('provisionedConcurrency %p is rejected', (value) => {
    expect(synthError({ provisionedConcurrency: value })).toThrow(`provisionedConcurrency must be an integer >= 1, got ${value}`);
  });

  test.each([0.05, 0.95])('autoScaling.utilizationTarget %p is rejected', (value) => {
    expect(synthError({ autoScaling: { maxCapacity: 10, utilizationTarget: value } }))
      .toThrow(`autoScaling.utilizationTarget must be between 0.1 and 0.9, got ${value}`);
  });

  test('the utilization target bounds themselves are accepted', () => {
    expect(synthError({ autoScaling: { maxCapacity: 10, utilizationTarget: 0.1 } })).not.toThrow();
    expect(synthError({ autoScaling: { maxCapacity: 10, utilizationTarget: 0.9 } })).not.toThrow();
  });

  test('minCapacity above provisionedConcurrency is rejected', () => {
    expect(synthError({ provisionedConcurrency: 2, autoScaling: { minCapacity: 3, maxCapacity: 10 } }))
      .toThrow('autoScaling.minCapacity (3) must be <= provisionedConcurrency (2)');
  });

  test('provisionedConcurrency above maxCapacity is rejected', () => {
    expect(synthError({ provisionedConcurrency: 11, autoScaling: { maxCapacity: 10 } }))
      .toThrow('provisionedConcurrency (11) must be <= autoScaling.maxCapacity (10)');
  });

  test('autoScaling.minCapacity below 1 is rejected', () => {
    expect(synthError({ autoScaling: { minCapacity: 0, maxCapacity: 10 } })).toThrow('autoScaling.minCapacity must be an integer >= 1, got 0');
  });

  test.each([0, 2.5])('autoScaling.maxCapacity %p is rejected', (value) => {
    expect(synthError({ provisionedConcurrency: 1, autoScaling: { maxCapacity: value } }))
      .toThrow(`autoScaling.maxCapacity must be an integer >= 1, got ${value}`);
  });

  test('provisionedConcurrency above reservedConcurrentExecutions is rejected', () => {
    expect(synthError({ provisionedConcurrency: 6, reservedConcurrentExecutions: 5 }))
      .toThrow('provisionedConcurrency (6) must be <= reservedConcurrentExecutions (5)');
  });

  test('provisionedConcurrency equal to reservedConcurrentExecutions is accepted', () => {
    expect(synthError({ provisionedConcurrency: 5, reservedConcurrentExecutions: 5 })).not.toThrow();
  });

  test('autoScaling.maxCapacity above reservedConcurrentExecutions is rejected', () => {
    expect(synthError({ provisionedConcurrency: 2, reservedConcurrentExecutions: 5, autoScaling: { maxCapacity: 8 } }))
      .toThrow('autoScaling.maxCapacity (8) must be <= reservedConcurrentExecutions (5)');
  });

  const cron = appscaling.Schedule.cron({ hour: '8', minute: '0' });

  test('a schedule capacity outside the auto-scaling range is rejected', () => {
    expect(synthError({ autoScaling: { maxCapacity: 10, schedules: [{ name: 'Peak', schedule: cron, minCapacity: 12 }] } }))
      .toThrow('autoScaling.schedules[0] (Peak).minCapacity must be an integer between 2 and 10, got 12');
    expect(synthError({ autoScaling: { minCapacity: 2, maxCapacity: 10, schedules: [{ name: 'Night', schedule: cron, maxCapacity: 1 }] } }))
      .toThrow('autoScaling.schedules[0] (Night).maxCapacity must be an integer between 2 and 10, got 1');
  });

  test('a schedule without capacities is rejected', () => {
    expect(synthError({ autoScaling: { maxCapacity: 10, schedules: [{ name: 'Empty', schedule: cron }] } }))
      .toThrow('autoScaling.schedules[0] (Empty) must set minCapacity, maxCapacity or both');
  });

  test('a schedule whose minCapacity exceeds its maxCapacity is rejected', () => {
    expect(synthError({ autoScaling: { maxCapacity: 10, schedules: [{ name: 'Odd', schedule: cron, minCapacity: 8, maxCapacity: 4 }] } }))
      .toThrow('autoScaling.schedules[0] (Odd).minCapacity (8) must be <= autoScaling.schedules[0] (Odd).maxCapacity (4)');
  });

  test('two schedules with one name are rejected', () => {
    const s = { name: 'Peak', schedule: cron, minCapacity: 5 };
    expect(synthError({ autoScaling: { maxCapacity: 10, schedules: [s, s] } }))
      .toThrow("autoScaling.schedules[1] (Peak): schedule names must be unique, 'Peak' is used twice");
  });

  test('a timeout over 15 minutes is rejected', () => {
    expect(synthError({ timeout: Duration.minutes(16) })).toThrow('timeout must be between 1 second and 15 minutes, got 16 minutes');
  });

  test('a timeout under 1 second is rejected', () => {
    expect(synthError({ timeout: Duration.millis(500) })).toThrow('timeout must be between 1 second and 15 minutes, got 500 ms');
  });

  // Issue 18: Lambda counts both in seconds; a fraction would fail inside aws-cdk-lib's toSeconds(), naming no prop.
  test.each([
    { prop: 'timeout', unit: 'seconds', min: 1, max: 900 },
    { prop: 'maxEventAge', unit: 'seconds', min: 60, max: 6 * 3600 },
  ] as const)('$prop is a whole number of seconds in range', (spec) => {
    expectWholeDurationProp(spec, (value) => build({ [spec.prop]: value }));
  });

  test.each(['123', 'has space', 'a'.repeat(129)])('aliasName %p is rejected', (name) => {
    expect(synthError({ aliasName: name })).toThrow(`aliasName must be 1-128 letters, digits, '-' or '_' and not only digits, got '${name}'`);
  });

  test('snapStart cannot be combined with provisioned concurrency', () => {
    expect(synthError({ snapStart: lambda.SnapStartConf.ON_PUBLISHED_VERSIONS }))
      .toThrow('snapStart cannot be combined with provisioned concurrency');
  });

  // Lambda's MaximumRetryAttempts of the alias's EventInvokeConfig is 0-2: our error names the prop.
  test.each([-1, 3, 1.5])('retryAttempts %p is rejected', (value) => {
    expect(synthError({ retryAttempts: value })).toThrow(`retryAttempts must be an integer between 0 and 2, got ${value}`);
  });

  test('a traffic hook without a known role gets one warning id, the message naming the hook', () => {
    const stack = new Stack(new App(), 'S');
    const imported = lambda.Function.fromFunctionAttributes(stack, 'Imported', {
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:hook', sameEnvironment: true,
    });
    new ProvisionedFunction(stack, 'Api', {
      ...base,
      deployment: { deploymentConfig: codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE, preHook: imported, postHook: imported },
    });
    const warnings = Annotations.fromStack(stack).findWarning('/S/Api', Match.stringLikeRegexp('has no known role'));
    expect(warnings.map((w) => w.entry.data)).toEqual([
      expect.stringMatching(/^deployment\.preHook has no known role: .*\[ack: cdk-serverless-patterns:ProvisionedFunction:hookWithoutRole\]$/),
      expect.stringMatching(/^deployment\.postHook has no known role: .*\[ack: cdk-serverless-patterns:ProvisionedFunction:hookWithoutRole\]$/),
    ]);
  });

  test('tokens are never rejected', () => {
    const stack = new Stack(new App(), 'S');
    const n = new CfnParameter(stack, 'N', { type: 'Number' }).valueAsNumber;
    const target = new CfnParameter(stack, 'Target', { type: 'Number' }).valueAsNumber;
    const alias = new CfnParameter(stack, 'AliasName').valueAsString;
    new ProvisionedFunction(stack, 'Api', {
      ...base,
      aliasName: alias,
      provisionedConcurrency: n,
      reservedConcurrentExecutions: n,
      timeout: Duration.seconds(n),
      autoScaling: { minCapacity: n, maxCapacity: n, utilizationTarget: target, schedules: [{ name: 'Peak', schedule: cron, minCapacity: n }] },
    });
    new ProvisionedFunction(stack, 'Fixed', { ...base, aliasName: alias, provisionedConcurrency: n });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Alias', { Name: { Ref: 'AliasName' }, ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: { Ref: 'N' } } });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: { Ref: 'N' }, MaxCapacity: { Ref: 'N' } });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: { Ref: 'Target' } }),
    });
  });
});
