import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { EmrPipeline } from '../../src';
import { BenchSubject } from '../support/subject';

/** The VPC is the user's, the same in both variants: an imported one keeps it out of the measurement. */
const vpcOf = (scope: Construct) => ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
});

const THROTTLING = {
  errors: ['ThrottlingException', 'EMR.AmazonElasticMapReduceException', 'Sfn.SfnException', 'Sfn.ThrottlingException'],
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.minutes(2),
  jitterStrategy: sfn.JitterType.FULL,
};
const secureBucket = {
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  lifecycleRules: [{ expiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
};

/**
 * A default EmrPipeline (instance groups, transient cluster), and by hand: log key and log group,
 * log bucket with its access-log bucket, EMR service and instance roles with an instance profile,
 * the pipeline state machine (validate input, create or use a cluster, Map of steps, terminate on
 * success and failure, throttling retries), the teardown state machine (history scan, terminate
 * created and given clusters) started by an EventBridge rule with a dead-letter queue, five alarms.
 */
export const subject: BenchSubject = {
  name: 'EmrPipeline',
  construct: (parent, id) => {
    const scope = new Construct(parent, id);
    new EmrPipeline(scope, 'Pipeline', { vpc: vpcOf(scope) });
  },
  floor: (parent, id) => {
    const scope = new Construct(new Construct(parent, id), 'Pipeline');
    const stack = Stack.of(scope);
    const vpc = vpcOf(scope.node.scope as Construct);

    const key = new kms.Key(scope, 'LogKey', { enableKeyRotation: true });
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: '*' }) } },
    }));
    const logGroup = new logs.LogGroup(scope, 'LogGroup', { encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR });
    const accessLogs = new s3.Bucket(scope, 'AccessLogBucket', secureBucket);
    const logBucket = new s3.Bucket(scope, 'LogBucket', secureBucket);
    (logBucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: accessLogs.bucketName, logFilePrefix: 'emr-log-bucket/' };
    accessLogs.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [accessLogs.arnForObjects('emr-log-bucket/*')],
      conditions: { ArnLike: { 'aws:SourceArn': logBucket.bucketArn }, StringEquals: { 'aws:SourceAccount': stack.account } },
    }));
    const serviceRole = new iam.Role(scope, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('elasticmapreduce.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEMRServicePolicy_v2')],
    });
    const instanceRole = new iam.Role(scope, 'InstanceRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    new iam.CfnInstanceProfile(scope, 'InstanceProfile', { roles: [instanceRole.roleName], instanceProfileName: instanceRole.roleName });
    instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [logBucket.arnForObjects('emr-logs/*')] }));

    const failed = new sfn.Fail(scope, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const m5 = 'm5.xlarge';
    const createCluster = new tasks.EmrCreateCluster(scope, 'CreateCluster', {
      name: sfn.JsonPath.stringAt('$$.Execution.Name'),
      releaseLabel: 'emr-7.5.0',
      applications: [{ name: 'Spark' }],
      instances: {
        instanceGroups: [
          { name: 'Primary', instanceRole: tasks.EmrCreateCluster.InstanceRoleType.MASTER, instanceType: m5, instanceCount: 1 },
          { name: 'Core', instanceRole: tasks.EmrCreateCluster.InstanceRoleType.CORE, instanceType: m5, instanceCount: 2 },
        ],
        ec2SubnetId: vpc.selectSubnets().subnetIds[0],
      },
      serviceRole,
      clusterRole: instanceRole,
      logUri: `s3://${logBucket.bucketName}/emr-logs/`,
      stepConcurrencyLevel: 4,
      autoTerminationPolicyIdleTimeout: Duration.hours(1),
      visibleToAllUsers: false,
      tags: { 'for-use-with-amazon-emr-managed-policies': 'true' },
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultSelector: { clusterId: sfn.JsonPath.stringAt('$.ClusterId'), terminate: true },
      resultPath: '$.cluster',
    }).addRetry(THROTTLING).addCatch(failed, { resultPath: '$.error' });
    const useGivenCluster = new sfn.Pass(scope, 'UseGivenCluster', {
      parameters: { clusterId: sfn.JsonPath.stringAt('$.clusterId'), terminate: false }, resultPath: '$.cluster',
    });
    const runSteps = new sfn.Map(scope, 'RunSteps', {
      itemsPath: '$.steps',
      maxConcurrency: 4,
      resultPath: sfn.JsonPath.DISCARD,
      itemSelector: { clusterId: sfn.JsonPath.stringAt('$.cluster.clusterId'), step: sfn.JsonPath.stringAt('$$.Map.Item.Value') },
    }).itemProcessor(new tasks.EmrAddStep(scope, 'RunStep', {
      clusterId: sfn.JsonPath.stringAt('$.clusterId'),
      name: sfn.JsonPath.stringAt('$.step.name'),
      jar: sfn.JsonPath.stringAt('$.step.jar'),
      args: sfn.JsonPath.listAt('$.step.args'),
      actionOnFailure: tasks.ActionOnFailure.CONTINUE,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultPath: sfn.JsonPath.DISCARD,
    }).addRetry(THROTTLING));
    const terminate = (taskId: string, path: string, pattern: sfn.IntegrationPattern) => new tasks.EmrTerminateCluster(scope, taskId, {
      clusterId: sfn.JsonPath.stringAt(path), integrationPattern: pattern, resultPath: sfn.JsonPath.DISCARD,
    }).addRetry(THROTTLING);
    const succeeded = new sfn.Succeed(scope, 'Succeeded');
    runSteps.addCatch(new sfn.Choice(scope, 'TerminateAfterFailure?')
      .when(sfn.Condition.booleanEquals('$.cluster.terminate', true),
        terminate('TerminateClusterAfterFailure', '$.cluster.clusterId', sfn.IntegrationPattern.RUN_JOB)
          .addCatch(failed, { resultPath: '$.terminateError' }).next(failed))
      .otherwise(failed), { resultPath: '$.error' });
    const definition = new sfn.Choice(scope, 'ValidateInput')
      .when(sfn.Condition.not(sfn.Condition.isPresent('$.steps')), new sfn.Fail(scope, 'InvalidInput', { error: 'InvalidInput', cause: 'no steps' }))
      .when(sfn.Condition.isPresent('$.clusterId'), useGivenCluster)
      .otherwise(createCluster);
    useGivenCluster.next(runSteps);
    createCluster.next(runSteps);
    runSteps.next(new sfn.Choice(scope, 'TerminateWhenDone?')
      .when(sfn.Condition.booleanEquals('$.cluster.terminate', true),
        terminate('TerminateCluster', '$.cluster.clusterId', sfn.IntegrationPattern.RUN_JOB).addCatch(failed, { resultPath: '$.error' }).next(succeeded))
      .otherwise(succeeded));
    const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    const teardownScope = new Construct(scope, 'Teardown');
    const readHistory = new tasks.CallAwsService(teardownScope, 'ReadHistory', {
      service: 'sfn',
      action: 'getExecutionHistory',
      iamAction: 'states:GetExecutionHistory',
      iamResources: [stack.formatArn({ service: 'states', resource: 'execution', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: `${stateMachine.stateMachineName}:*` })],
      parameters: { ExecutionArn: sfn.JsonPath.stringAt('$.detail.executionArn'), MaxResults: 30, ReverseOrder: false, IncludeExecutionData: true },
      resultSelector: { events: sfn.JsonPath.listAt('$.events') },
      resultPath: '$.history',
    }).addRetry(THROTTLING);
    const notACluster = new sfn.Succeed(teardownScope, 'NotACluster');
    const terminateCreated = terminate('TeardownTerminateCreatedCluster', '$.response.ClusterId', sfn.IntegrationPattern.REQUEST_RESPONSE);
    const created = new sfn.Map(teardownScope, 'TerminateCreatedClusters', { itemsPath: '$.history.events', maxConcurrency: 5, resultPath: sfn.JsonPath.DISCARD })
      .itemProcessor(new sfn.Choice(teardownScope, 'ClusterCreation')
        .when(sfn.Condition.and(
          sfn.Condition.stringEquals('$.type', 'TaskSubmitted'),
          sfn.Condition.stringEquals('$.taskSubmittedEventDetails.resourceType', 'elasticmapreduce'),
          sfn.Condition.stringMatches('$.taskSubmittedEventDetails.resource', 'createCluster*'),
          sfn.Condition.isPresent('$.taskSubmittedEventDetails.output'),
        ), new sfn.Pass(teardownScope, 'ParseSubmission', {
          parameters: { response: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.taskSubmittedEventDetails.output')) },
        }).next(new sfn.Choice(teardownScope, 'ClusterIdReturned')
          .when(sfn.Condition.isPresent('$.response.ClusterId'), terminateCreated)
          .when(sfn.Condition.isPresent('$.response.JobFlowId'), new sfn.Pass(teardownScope, 'FromJobFlowId', {
            parameters: { response: { ClusterId: sfn.JsonPath.stringAt('$.response.JobFlowId') } },
          }).next(terminateCreated))
          .otherwise(notACluster)))
        .otherwise(notACluster));
    const teardown = new sfn.StateMachine(teardownScope, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(sfn.Chain.start(readHistory).next(created).next(new sfn.Succeed(teardownScope, 'Done'))),
      timeout: Duration.minutes(15),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    const deadLetterQueue = new sqs.Queue(teardownScope, 'DeadLetterQueue', {
      enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14),
    });
    new events.Rule(teardownScope, 'Rule', {
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [stateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [new targets.SfnStateMachine(teardown, { deadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });

    const sum = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    const alarm = (alarmId: string, metric: cloudwatch.IMetric) => new cloudwatch.Alarm(scope, alarmId, {
      metric, threshold: 1, evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('ExecutionsFailedAlarm', stateMachine.metricFailed(sum));
    alarm('ExecutionsTimedOutAlarm', stateMachine.metricTimedOut(sum));
    alarm('ExecutionsAbortedAlarm', stateMachine.metricAborted(sum));
    alarm('TeardownFailedAlarm', teardown.metricFailed(sum));
    alarm('TeardownUndeliveredAlarm', deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }));
  },
};
