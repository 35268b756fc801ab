import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { stateMachineDefinition } from './asl';
import { EmrPipeline, EmrPipelineProps } from '../../src';
import { expectWholeDurationProp } from '../support/durations';
import { expectCleanStack, nagFindings } from '../support/quality-gates';

function build(props: Partial<EmrPipelineProps> = {}) {
  const stack = new Stack(new App(), 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1, flowLogs: { FlowLog: {} } });
  const pipeline = new EmrPipeline(stack, 'Pipeline', { vpc, ...props });
  const template = Template.fromStack(stack);
  return { stack, vpc, pipeline, template };
}

function pipelineAsl(template: Template) {
  return stateMachineDefinition(template, /^PipelineStateMachine/);
}

function createClusterParameters(template: Template) {
  return pipelineAsl(template).States['Create cluster'].Parameters;
}

function teardownAsl(template: Template) {
  return stateMachineDefinition(template, /^PipelineTeardownStateMachine/);
}

/** Builds with everything a caller can set, on instance groups. */
function fullest(stack: Stack, vpc: ec2.IVpc): EmrPipelineProps {
  const serviceRole = new iam.Role(stack, 'MyServiceRole', { assumedBy: new iam.ServicePrincipal('elasticmapreduce.amazonaws.com') });
  const instanceRole = new iam.Role(stack, 'MyInstanceRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  new iam.CfnInstanceProfile(stack, 'MyInstanceProfile', { roles: [instanceRole.roleName], instanceProfileName: instanceRole.roleName });
  const accessLogs = new s3.Bucket(stack, 'MyAccessLogs', { enforceSSL: true, encryption: s3.BucketEncryption.S3_MANAGED });
  return {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    releaseLabel: 'emr-6.15.0',
    applications: ['Spark', 'Hive'],
    masterInstanceType: ec2.InstanceType.of(ec2.InstanceClass.M6G, ec2.InstanceSize.XLARGE),
    coreInstanceType: ec2.InstanceType.of(ec2.InstanceClass.R6G, ec2.InstanceSize.XLARGE2),
    coreInstanceCount: 4,
    maxConcurrency: 8,
    stepConcurrencyLevel: 16,
    idleTimeout: Duration.minutes(30),
    logBucket: new s3.Bucket(stack, 'MyLogs', {
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: accessLogs,
    }),
    serviceRole,
    instanceRole,
    visibleToAllUsers: true,
    securityConfiguration: 'my-security-configuration',
    terminateGivenCluster: true,
    timeout: Duration.hours(2),
    logLevel: sfn.LogLevel.ALL,
    includeExecutionData: false,
    logRetention: logs.RetentionDays.ONE_MONTH,
    logGroupEncryptionKey: new kms.Key(stack, 'MyKey', { enableKeyRotation: true }),
    alarmTopic: new sns.Topic(stack, 'Alarms', { enforceSSL: true, masterKey: kms.Alias.fromAliasName(stack, 'SnsKey', 'alias/aws/sns') }),
  };
}

describe('EmrPipeline defaults', () => {
  const { template, pipeline } = build();

  test('a standard state machine with X-Ray, ALL-level logging with execution data, and a 6-hour timeout', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineLogGroup'), 'Arn'] } } }],
      },
    });
    expect(pipelineAsl(template).TimeoutSeconds).toBe(6 * 3600);
  });

  test('the log group is encrypted with a new rotating key that CloudWatch Logs may use, kept one year', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineLogKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
        })]),
      },
    });
  });

  test('created clusters: emr-7.5.0 with Spark, one m5.xlarge primary and two core nodes, in the first private subnet', () => {
    expect(createClusterParameters(template)).toMatchObject({
      ReleaseLabel: 'emr-7.5.0',
      Applications: [{ Name: 'Spark' }],
      Instances: {
        Ec2SubnetId: 'ref-VpcPrivateSubnet1Subnet536B997A',
        KeepJobFlowAliveWhenNoSteps: true,
        InstanceGroups: [
          { Name: 'Primary', InstanceRole: 'MASTER', InstanceType: 'm5.xlarge', InstanceCount: 1 },
          { Name: 'Core', InstanceRole: 'CORE', InstanceType: 'm5.xlarge', InstanceCount: 2 },
        ],
      },
    });
    // The execution ARN: the teardown state machine finds the execution's clusters by it.
    expect(createClusterParameters(template)['Name.$']).toBe('$$.Execution.Id');
  });

  test('created clusters: step concurrency 4 matching the Map, 1-hour idle auto-termination, not visible to all users, tagged for the v2 policy', () => {
    expect(createClusterParameters(template)).toMatchObject({
      StepConcurrencyLevel: 4,
      AutoTerminationPolicy: { IdleTimeout: 3600 },
      VisibleToAllUsers: false,
      Tags: [{ Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' }],
      LogUri: expect.stringMatching(/^s3:\/\/ref-PipelineLogBucket[0-9A-F]{8}\/emr-logs\/$/),
    });
    expect(createClusterParameters(template).SecurityConfiguration).toBeUndefined();
    expect(pipelineAsl(template).States['Run steps'].MaxConcurrency).toBe(4);
  });

  test('submissions are request-response (a retry never re-submits work that waited), throttling retried with jittered backoff; only terminating waits (.sync)', () => {
    const states = pipelineAsl(template).States;
    const map = states['Run steps'].ItemProcessor.States;
    const resources = {
      'Create cluster': [states['Create cluster'], 'arn:aws:states:::elasticmapreduce:createCluster'],
      'Run step': [map['Run step'], 'arn:aws:states:::elasticmapreduce:addStep'],
      'Terminate cluster': [states['Terminate cluster'], 'arn:aws:states:::elasticmapreduce:terminateCluster.sync'],
      'Terminate cluster after failure': [states['Terminate cluster after failure'], 'arn:aws:states:::elasticmapreduce:terminateCluster.sync'],
    };
    for (const [name, [task, resource]] of Object.entries(resources)) {
      expect([name, task.Resource]).toEqual([name, resource]);
      expect(task.Retry).toEqual([expect.objectContaining({
        ErrorEquals: ['ThrottlingException', 'EMR.AmazonElasticMapReduceException'],
        BackoffRate: 2,
        JitterStrategy: 'FULL',
      })]);
    }
    // The waits are reads through the AWS SDK integration, retried on any error.
    expect(states['Describe cluster'].Resource).toBe('arn:aws:states:::aws-sdk:emr:describeCluster');
    expect(map['Describe step'].Resource).toBe('arn:aws:states:::aws-sdk:emr:describeStep');
    expect(map['Describe step'].Retry).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'] })]);
  });

  test('every state that can fail has a Catch leading to Failed, directly or through the terminate path', () => {
    const states = pipelineAsl(template).States;
    expect(states['Create cluster'].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }]);
    expect(states['Run steps'].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Terminate cluster after failure?' }]);
    expect(states['Terminate cluster'].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }]);
    expect(states['Terminate cluster after failure'].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.terminateError', Next: 'Failed' }]);
    expect(states.Failed).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  test('log bucket: SSE-S3, TLS only, public access blocked, 90-day expiry, server access logs into a second bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^PipelineAccessLogBucket') }, LogFilePrefix: 'emr-log-bucket/' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^PipelineLogBucket') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^PipelineAccessLogBucket') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' })]) },
    });
    template.resourceCountIs('AWS::S3::Bucket', 2);
  });

  test('roles: the EMR service role uses AmazonEMRServicePolicy_v2; the instance role may only write the log prefix and has an instance profile of its name', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'elasticmapreduce.amazonaws.com' } })] },
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonEMRServicePolicy_v2']] }],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^PipelineInstanceRole') }],
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineLogBucket'), 'Arn'] }, '/emr-logs/*']] },
        }],
      },
    });
    template.hasResourceProperties('AWS::IAM::InstanceProfile', {
      Roles: [{ Ref: Match.stringLikeRegexp('^PipelineInstanceRole') }],
      InstanceProfileName: { Ref: Match.stringLikeRegexp('^PipelineInstanceRole') },
    });
    expect(pipeline.instanceRole).toBeInstanceOf(iam.Role);
  });

  test('the VPC is tagged for AmazonEMRServicePolicy_v2, and nothing else of it but the selected subnets (and the pipeline\'s security groups)', () => {
    template.hasResourceProperties('AWS::EC2::VPC', {
      Tags: Match.arrayWith([{ Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' }]),
    });
    const tagged = Object.entries(template.toJSON().Resources as Record<string, any>)
      .filter(([, r]) => (r.Properties?.Tags ?? []).some((t: any) => t.Key === 'for-use-with-amazon-emr-managed-policies'))
      .map(([, r]) => r.Type)
      .sort();
    expect(tagged).toEqual(['AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroup', 'AWS::EC2::Subnet', 'AWS::EC2::Subnet', 'AWS::EC2::VPC']);
  });

  test('an imported VPC is left untouched', () => {
    const stack = new Stack(new App(), 'Stack');
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1234',
      availabilityZones: ['us-east-1a'],
      privateSubnetIds: ['subnet-1234'],
    });
    new EmrPipeline(stack, 'Pipeline', { vpc });
    expect(createClusterParameters(Template.fromStack(stack)).Instances.Ec2SubnetId).toBe('subnet-1234');
  });

  test('the selected (private) subnets are tagged for AmazonEMRServicePolicy_v2, the others are not', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
    const tagged = (subnet: any) => subnet.Properties.Tags.some((t: any) => t.Key === 'for-use-with-amazon-emr-managed-policies' && t.Value === 'true');
    const type = (subnet: any) => subnet.Properties.Tags.find((t: any) => t.Key === 'aws-cdk:subnet-type').Value;
    expect(subnets.map((subnet) => [type(subnet), tagged(subnet)]).sort()).toEqual([
      ['Private', true], ['Private', true], ['Public', false], ['Public', false],
    ]);
  });

  test('teardown: an EventBridge rule on every end of this state machine\'s executions starts the teardown state machine, with retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        'detail': {
          stateMachineArn: [{ Ref: Match.stringLikeRegexp('^PipelineStateMachine') }],
          status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
      Targets: [Match.objectLike({
        Arn: { Ref: Match.stringLikeRegexp('^PipelineTeardownStateMachine') },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineTeardownDeadLetterQueue'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      })],
    });
  });

  test('teardown state machine: traced, logged, lists clusters and terminates only clusters, and does not touch given clusters', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      DefinitionString: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('List active clusters')])] }),
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
    const asl = teardownAsl(template);
    expect(asl.States['List active clusters']).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:emr:listClusters',
      Parameters: { ClusterStates: ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'] },
    });
    expect(Object.keys(asl.States)).not.toContain('Terminate given cluster');
  });

  test('log group under /aws/vendedlogs/states/ (no CloudWatch Logs resource-policy entry per state machine)', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/.+') });
  });

  test('a token idleTimeout is accepted and written into the request', () => {
    const stack = new Stack(new App(), 'Stack');
    new EmrPipeline(stack, 'Pipeline', {
      vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 1 }),
      idleTimeout: Duration.seconds(Lazy.number({ produce: () => 900 })),
    });
    expect(createClusterParameters(Template.fromStack(stack)).AutoTerminationPolicy).toEqual({ IdleTimeout: 900 });
  });

  test('given clusters are not terminated by default', () => {
    expect(pipelineAsl(template).States['Use given cluster'].Parameters).toEqual({ 'clusterId.$': '$.clusterId', 'terminate': false });
  });

  test('five alarms without actions: failed, timed-out, aborted executions, failed teardowns, undelivered teardown events', () => {
    expect(pipeline.alarms).toHaveLength(5);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Namespace: 'AWS/States',
        Statistic: 'Sum',
        Threshold: 1,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: Match.stringLikeRegexp('^PipelineStateMachine') } }],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: Match.stringLikeRegexp('^PipelineTeardownStateMachine') } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS' });
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
    }
  });

  test('passes cfn-lint and cdk-nag', async () => {
    await expectCleanStack(Stack.of(pipeline));
  });
});

describe('EmrPipeline overrides', () => {
  test('the fullest configuration sets every value and passes cfn-lint and cdk-nag', async () => {
    // (the flag keeps the test's own access-log bucket off legacy ACLs)
    const stack = new Stack(new App({ context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true } }), 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1, flowLogs: { FlowLog: {} } });
    const props = fullest(stack, vpc);
    const pipeline = new EmrPipeline(stack, 'Pipeline', props);
    const template = Template.fromStack(stack);

    expect(createClusterParameters(template)).toMatchObject({
      ReleaseLabel: 'emr-6.15.0',
      Applications: [{ Name: 'Spark' }, { Name: 'Hive' }],
      Instances: {
        InstanceGroups: [
          { InstanceRole: 'MASTER', InstanceType: 'm6g.xlarge', InstanceCount: 1 },
          { InstanceRole: 'CORE', InstanceType: 'r6g.2xlarge', InstanceCount: 4 },
        ],
      },
      StepConcurrencyLevel: 16,
      AutoTerminationPolicy: { IdleTimeout: 1800 },
      VisibleToAllUsers: true,
      SecurityConfiguration: 'my-security-configuration',
      ServiceRole: expect.stringMatching(/^ref-MyServiceRole[0-9A-F]{8}$/),
      JobFlowRole: expect.stringMatching(/^ref-MyInstanceRole[0-9A-F]{8}$/),
      LogUri: expect.stringMatching(/^s3:\/\/ref-MyLogs[0-9A-F]{8}\/emr-logs\/$/),
    });
    const asl = pipelineAsl(template);
    expect(asl.States['Run steps'].MaxConcurrency).toBe(8);
    expect(asl.TimeoutSeconds).toBe(7200);
    expect(asl.States['Use given cluster'].Parameters.terminate).toBe(true);
    expect(Object.keys(teardownAsl(template).States)).toEqual(expect.arrayContaining(['Read execution input', 'Given a cluster?', 'Terminate given cluster']));
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 30,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] },
    });
    // Nothing is created for what was brought.
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.resourceCountIs('AWS::IAM::InstanceProfile', 1);
    expect(pipeline.serviceRole).toBe(props.serviceRole);
    expect(pipeline.instanceRole).toBe(props.instanceRole);
    expect(pipeline.logBucket).toBe(props.logBucket);
    // The brought instance role still gets to write the logs.
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^MyInstanceRole') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: 's3:PutObject' })] },
    });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
    }

    await expectCleanStack(stack);
  });

  test('instance fleets replace the instance groups, get every selected subnet, and need no auto-scaling role', async () => {
    const fleets: tasks.EmrCreateCluster.InstanceFleetConfigProperty[] = [
      { instanceFleetType: tasks.EmrCreateCluster.InstanceRoleType.MASTER, targetOnDemandCapacity: 1, instanceTypeConfigs: [{ instanceType: 'm5.xlarge' }] },
      { instanceFleetType: tasks.EmrCreateCluster.InstanceRoleType.CORE, targetSpotCapacity: 4, instanceTypeConfigs: [{ instanceType: 'm5.xlarge' }, { instanceType: 'm6i.xlarge' }] },
    ];
    const { template, stack } = build({ instanceFleets: fleets });

    const instances = createClusterParameters(template).Instances;
    expect(instances.InstanceGroups).toBeUndefined();
    expect(instances.Ec2SubnetIds).toEqual(['ref-VpcPrivateSubnet1Subnet536B997A', 'ref-VpcPrivateSubnet2Subnet3788AAA1']);
    expect(instances.InstanceFleets).toHaveLength(2);
    expect(createClusterParameters(template).AutoScalingRole).toBeUndefined();
    await expectCleanStack(stack);
  });

  test('logLevel lowers the execution logging, which cdk-nag then reports (the trade-off is the caller\'s)', () => {
    const { template, stack } = build({ logLevel: sfn.LogLevel.ERROR });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ERROR' }),
      DefinitionString: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('Validate input')])] }),
    });
    expect(nagFindings(stack).map((f) => f.split(':')[0])).toEqual(['AwsSolutions-SF1 @ Stack/Pipeline/StateMachine/Resource']);
  });

  test('an imported log bucket: logs go under its emr-logs/ prefix, nothing is created, cdk-nag stays clean', async () => {
    const stack = new Stack(new App(), 'Stack');
    const logBucket = s3.Bucket.fromBucketName(stack, 'Logs', 'central-emr-logs');
    new EmrPipeline(stack, 'Pipeline', { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 1, flowLogs: { FlowLog: {} } }), logBucket });
    const template = Template.fromStack(stack);

    expect(createClusterParameters(template).LogUri).toBe('s3://central-emr-logs/emr-logs/');
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^PipelineInstanceRole') }],
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::central-emr-logs/emr-logs/*']] },
        }],
      },
    });
    await expectCleanStack(stack);
  });

  test('logExpiration sets the expiry of the created log bucket and of its access logs', () => {
    const { template } = build({ logExpiration: Duration.days(30) });
    template.resourcePropertiesCountIs('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
    }, 2);
  });

  test('coreInstanceCount 0 makes a single-node cluster', () => {
    const { template } = build({ coreInstanceCount: 0 });
    expect(createClusterParameters(template).Instances.InstanceGroups).toEqual([
      { Name: 'Primary', InstanceRole: 'MASTER', InstanceType: 'm5.xlarge', InstanceCount: 1 },
    ]);
  });

  test('maxConcurrency sets the Map limit and, by default, the step concurrency level', () => {
    const { template } = build({ maxConcurrency: 10 });
    expect(pipelineAsl(template).States['Run steps'].MaxConcurrency).toBe(10);
    expect(createClusterParameters(template).StepConcurrencyLevel).toBe(10);
  });

  test('maxConcurrency 0 removes the Map limit and lets EMR run up to 256 steps at once', () => {
    const { template } = build({ maxConcurrency: 0 });
    expect(pipelineAsl(template).States['Run steps'].MaxConcurrency).toBeUndefined();
    expect(createClusterParameters(template).StepConcurrencyLevel).toBe(256);
  });

  test('maxConcurrency above 256 caps the default step concurrency level at 256', () => {
    const { template } = build({ maxConcurrency: 300 });
    expect(createClusterParameters(template).StepConcurrencyLevel).toBe(256);
  });

  test('a release without idle auto-termination (emr-5.29.0) gets no policy and a warning', () => {
    const { template, stack } = build({ releaseLabel: 'emr-5.29.0' });
    expect(createClusterParameters(template).AutoTerminationPolicy).toBeUndefined();
    Annotations.fromStack(stack).hasWarning('/Stack/Pipeline',
      Match.stringLikeRegexp('emr-5.29.0 has no idle auto-termination.*\\[ack: cdk-serverless-patterns:EmrPipeline:noIdleTermination\\]'));
  });

  test.each(['emr-5.30.0', 'emr-6.1.0', 'emr-7.0.0'])('%s keeps idle auto-termination', (releaseLabel) => {
    const { template, stack } = build({ releaseLabel });
    expect(createClusterParameters(template).AutoTerminationPolicy).toEqual({ IdleTimeout: 3600 });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('emr-6.0.0 has no idle auto-termination either', () => {
    const { template } = build({ releaseLabel: 'emr-6.0.0' });
    expect(createClusterParameters(template).AutoTerminationPolicy).toBeUndefined();
  });

  test('alarmTopic receives ALARM and OK notifications', () => {
    const stack = new Stack(new App(), 'Stack');
    const topic = new sns.Topic(stack, 'Topic');
    new EmrPipeline(stack, 'Pipeline', { vpc: new ec2.Vpc(stack, 'Vpc'), alarmTopic: topic });
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms)).toHaveLength(5);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }]);
    }
  });
});

describe('EmrPipeline methods', () => {
  test('grantStartExecution lets a principal start executions of the pipeline only', () => {
    const stack = new Stack(new App(), 'Stack');
    const pipeline = new EmrPipeline(stack, 'Pipeline', { vpc: new ec2.Vpc(stack, 'Vpc') });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    pipeline.grantStartExecution(caller);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(caller.node.defaultChild as iam.CfnRole) }],
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: Match.stringLikeRegexp('^PipelineStateMachine') } }] },
    });
  });

  test.each([
    ['metricExecutionsFailed', 'ExecutionsFailed', 'Sum'],
    ['metricExecutionsTimedOut', 'ExecutionsTimedOut', 'Sum'],
    ['metricExecutionsAborted', 'ExecutionsAborted', 'Sum'],
    ['metricExecutionsSucceeded', 'ExecutionsSucceeded', 'Sum'],
    ['metricExecutionsStarted', 'ExecutionsStarted', 'Sum'],
    ['metricExecutionTime', 'ExecutionTime', 'Average'],
  ] as const)('%s is AWS/States %s (%s over 5 minutes)', (method, metricName, statistic) => {
    const { pipeline } = build();
    const metric = pipeline[method]();
    expect(metric.namespace).toBe('AWS/States');
    expect(metric.metricName).toBe(metricName);
    expect(metric.statistic).toBe(statistic);
    expect(metric.period.toMinutes()).toBe(5);
    expect(Stack.of(pipeline).resolve(metric.dimensions)).toEqual({ StateMachineArn: { Ref: expect.stringMatching(/^PipelineStateMachine/) } });
  });

  test.each([
    ['metricTeardownStateMachineExecutionsFailed', 'ExecutionsFailed'],
    ['metricTeardownStateMachineExecutionsSucceeded', 'ExecutionsSucceeded'],
  ] as const)('%s is AWS/States %s of the teardown state machine (Sum over 5 minutes)', (method, metricName) => {
    const { pipeline } = build();
    const metric = pipeline[method]();
    expect([metric.namespace, metric.metricName, metric.statistic, metric.period.toMinutes()]).toEqual(['AWS/States', metricName, 'Sum', 5]);
    expect(Stack.of(pipeline).resolve(metric.dimensions)).toEqual({ StateMachineArn: { Ref: expect.stringMatching(/^PipelineTeardownStateMachine/) } });
  });

  test('metricTeardownDeadLetterQueueApproximateNumberOfMessagesVisible is the teardown DLQ\'s depth; metric() any state machine metric', () => {
    const { pipeline } = build();
    const depth = pipeline.metricTeardownDeadLetterQueueApproximateNumberOfMessagesVisible();
    expect([depth.namespace, depth.metricName, depth.statistic, depth.period.toMinutes()]).toEqual(['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', 5]);
    expect(Stack.of(pipeline).resolve(depth.dimensions)).toEqual({ QueueName: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineTeardownDeadLetterQueue/), 'QueueName'] } });
    const throttled = pipeline.metric('ExecutionThrottled');
    expect([throttled.namespace, throttled.metricName, throttled.statistic]).toEqual(['AWS/States', 'ExecutionThrottled', 'Sum']);
  });

  test('metric options override the defaults', () => {
    const { pipeline } = build();
    const metric = pipeline.metricExecutionsFailed({ period: Duration.minutes(1), statistic: 'Maximum' });
    expect(metric.period.toMinutes()).toBe(1);
    expect(metric.statistic).toBe('Maximum');
  });
});

describe('EmrPipeline validation', () => {
  test.each([
    [{ maxConcurrency: -1 }, /maxConcurrency must be an integer >= 0, got -1/],
    [{ maxConcurrency: 1.5 }, /maxConcurrency must be an integer >= 0, got 1.5/],
    [{ stepConcurrencyLevel: 0 }, /stepConcurrencyLevel must be an integer between 1 and 256, got 0/],
    [{ stepConcurrencyLevel: 257 }, /stepConcurrencyLevel must be an integer between 1 and 256, got 257/],
    [{ stepConcurrencyLevel: 2.5 }, /stepConcurrencyLevel must be an integer between 1 and 256, got 2.5/],
    [{ maxConcurrency: 8, stepConcurrencyLevel: 4 }, /maxConcurrency \(8\) must be <= stepConcurrencyLevel \(4\)/],
    [{ stepConcurrencyLevel: 3 }, /maxConcurrency \(4\) must be <= stepConcurrencyLevel \(3\)/],
    [{ maxConcurrency: 300, stepConcurrencyLevel: 100 }, /maxConcurrency \(300\) must be <= stepConcurrencyLevel \(100\)/],
    [{ releaseLabel: 'emr-7' }, /releaseLabel must be emr-X.Y.Z \(for example emr-7.5.0\), got 'emr-7'/],
    [{ releaseLabel: '7.5.0' }, /releaseLabel must be emr-X.Y.Z .*, got '7.5.0'/],
    [{ releaseLabel: 'emr-7.5.0-beta' }, /releaseLabel must be emr-X.Y.Z .*, got 'emr-7.5.0-beta'/],
    [{ releaseLabel: 'emr-5.27.1' }, /releaseLabel must be emr-5.28.0 or later \(the first release with step concurrency\), got emr-5.27.1/],
    [{ releaseLabel: 'emr-4.10.0' }, /releaseLabel must be emr-5.28.0 or later .*, got emr-4.10.0/],
    [{ idleTimeout: Duration.seconds(59) }, /idleTimeout must be between 1 minute and 7 days, got 59 seconds/],
    [{ idleTimeout: Duration.days(8) }, /idleTimeout must be between 1 minute and 7 days, got 8 days/],
    [{ timeout: Duration.days(366) }, /timeout must be between 1 second and 365 days, got 366 days/],
    [{ idleTimeout: Duration.millis(90_500) }, /idleTimeout must be a whole number of seconds between 1 minute and 7 days, got 90.5 seconds/],
    [{ timeout: Duration.millis(3_600_500) }, /timeout must be a whole number of seconds between 1 second and 365 days, got 3600.5 seconds/],
    [{ coreInstanceCount: -1 }, /coreInstanceCount must be an integer >= 0, got -1/],
    [{ instanceFleets: [], coreInstanceCount: 2 }, /instanceFleets cannot be combined with coreInstanceCount/],
    [{ logBucket: s3.Bucket.fromBucketName(new Stack(), 'Logs', 'my-logs'), logExpiration: Duration.days(30) }, /logExpiration cannot be combined with logBucket/],
    [{ logExpiration: Duration.hours(12) }, /logExpiration must be at least 1 day, got 12 hours/],
    [{ logExpiration: Duration.hours(36) }, /logExpiration must be a whole number of days at least 1 day, got 1.5 days/],
    [{ instanceFleets: [] }, /instanceFleets must list at least the primary \(MASTER\) fleet, got an empty list/],
    // CloudWatch Logs takes only the RetentionDays counts (as ServerlessPipeline's buildLogRetention).
    [{ logRetention: 2 as logs.RetentionDays }, /^logRetention must be one of 1, 3, 5, .*, 9999, got 2$/],
  ] as Array<[Partial<EmrPipelineProps>, RegExp]>)('%o throws %s', (props, error) => {
    expect(() => build(props)).toThrow(error);
  });

  // Issue 18: the cluster's idle timeout and the state machine's timeout are counted in seconds,
  // the log bucket's lifecycle in days; a fraction would fail inside aws-cdk-lib, naming no prop.
  test.each([
    { prop: 'idleTimeout', unit: 'seconds', min: 60, max: 7 * 86_400 },
    { prop: 'timeout', unit: 'seconds', min: 1, max: 365 * 86_400 },
    // No documented maximum: a decade stands in for the upper bound.
    { prop: 'logExpiration', unit: 'days', min: 1, max: 3650 },
  ] as const)('$prop is a whole number of $unit', (spec) => {
    expectWholeDurationProp(spec, (value) => build({ [spec.prop]: value }));
  });

  test('the limits themselves are accepted', () => {
    expect(() => build({ maxConcurrency: 0, stepConcurrencyLevel: 1 })).not.toThrow();
    expect(() => build({ maxConcurrency: 256, stepConcurrencyLevel: 256 })).not.toThrow();
    // Above EMR's maximum of 256 the level can only be 256 (the default there too).
    expect(() => build({ maxConcurrency: 300, stepConcurrencyLevel: 256 })).not.toThrow();
    expect(() => build({ releaseLabel: 'emr-5.28.0', idleTimeout: Duration.seconds(60) })).not.toThrow();
    expect(() => build({ idleTimeout: Duration.days(7) })).not.toThrow();
  });

  test('tokens are never rejected', () => {
    const number = (value: number) => Lazy.number({ produce: () => value });
    expect(() => build({
      maxConcurrency: number(-1),
      stepConcurrencyLevel: number(0),
      releaseLabel: Lazy.string({ produce: () => 'not-a-label' }),
      coreInstanceCount: number(-1),
    })).not.toThrow();
  });
});
