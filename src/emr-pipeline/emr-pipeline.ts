import { Annotations, ArnFormat, CfnResource, Duration, Names, Stack, Tags, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { STEP_CONCURRENCY_FLOOR, isAtLeast, parseReleaseLabel, supportsAutoTermination } from './private/release-label';
import { retryOnThrottling, retryReadOnly } from './private/retry';
import { EMR_MANAGED_POLICY_TAG, ManagedSecurityGroups } from './private/security-groups';
import { Teardown } from './private/teardown';
import { createAlarm } from '../common/alarms';
import { alarmAnnotations, graphWidget, titleWidget } from '../common/dashboard';
import { ACCESS_LOG_BUCKET_GUARD_REASONS, LOG_BUCKET_GUARD_REASONS, acknowledgeChosenRetention, acknowledgeGuardRules } from '../common/guard';
import { limitGrantsToAwsServices } from '../common/keys';
import { acknowledgeNagRule } from '../common/nag';
import { allResolved, validateDurationRange, validateIntegerRange } from '../common/validation';
import { IDashboardSource } from '../service-dashboard/dashboard-source';

/**
 * How often a starting cluster and a running step are looked at. Each look adds about 9 events to
 * the execution history (limit 25,000): at 2 minutes a step costs about 270 events an hour.
 */
const CLUSTER_POLL_INTERVAL = Duration.minutes(1);
const STEP_POLL_INTERVAL = Duration.minutes(2);

/** Where EMR writes cluster logs in the log bucket. */
const LOG_PREFIX = 'emr-logs/';

/**
 * Names of the pipeline's states. They are stable: the execution history, the teardown state
 * machine and runbooks refer to them.
 */
export class EmrPipelineStates {
  /** Checks that the execution input has a `steps` list and whether it gives a `clusterId`. */
  public static readonly VALIDATE_INPUT = 'Validate input';
  /** Fails the execution (error `InvalidInput`) when the input has no `steps` list. */
  public static readonly INVALID_INPUT = 'Invalid input';
  /** Uses the input's `clusterId` instead of creating a cluster. */
  public static readonly USE_GIVEN_CLUSTER = 'Use given cluster';
  /** Submits the execution's EMR cluster (RunJobFlow), named after the execution's ARN. */
  public static readonly CREATE_CLUSTER = 'Create cluster';
  /** Waits between two looks at the cluster's state while it starts. */
  public static readonly WAIT_FOR_CLUSTER = 'Wait for cluster';
  /** Reads the cluster's state (DescribeCluster). */
  public static readonly DESCRIBE_CLUSTER = 'Describe cluster';
  /** Checks that DescribeCluster returned a state (otherwise waits again). */
  public static readonly CLUSTER_STATE_KNOWN = 'Cluster state known?';
  /** Runs the steps once the cluster is WAITING or RUNNING; fails if it is terminating. */
  public static readonly CLUSTER_READY = 'Cluster ready?';
  /** Records error `ClusterTerminated` (cause: the cluster's status) when the cluster ended before it was ready. */
  public static readonly CLUSTER_FAILED = 'Cluster failed to start';
  /** The Map state that runs the input's steps, at most `maxConcurrency` at a time. */
  public static readonly RUN_STEPS = 'Run steps';
  /** Submits one step to the cluster (AddJobFlowSteps). */
  public static readonly RUN_STEP = 'Run step';
  /** Waits between two looks at a step's state. */
  public static readonly WAIT_FOR_STEP = 'Wait for step';
  /** Reads the step's state (DescribeStep). */
  public static readonly DESCRIBE_STEP = 'Describe step';
  /** Checks that DescribeStep returned a state (otherwise waits again). */
  public static readonly STEP_STATE_KNOWN = 'Step state known?';
  /** Ends the step's iteration when it is COMPLETED; fails it when FAILED, CANCELLED or INTERRUPTED. */
  public static readonly STEP_FINISHED = 'Step finished?';
  /** Ends a completed step's iteration. */
  public static readonly STEP_COMPLETED = 'Step completed';
  /** Records error `StepFailed` (cause: the step's status, with EMR's failure details). */
  public static readonly STEP_FAILED = 'Step failed';
  /** Fails the step's iteration, and so the Map, with `StepFailed`. */
  public static readonly FAIL_STEP = 'Fail step';
  /** After all steps succeeded: decides whether to terminate the cluster (yes if the pipeline created it, or with `terminateGivenCluster`). */
  public static readonly TERMINATE_WHEN_DONE = 'Terminate cluster?';
  /** Terminates the cluster after all steps succeeded and waits until it is terminated. */
  public static readonly TERMINATE_CLUSTER = 'Terminate cluster';
  /** Ends a successful execution. */
  public static readonly SUCCEEDED = 'Succeeded';
  /** After a step failed: decides whether to terminate the cluster (yes if the pipeline created it, or with `terminateGivenCluster`). */
  public static readonly TERMINATE_AFTER_FAILURE = 'Terminate cluster after failure?';
  /** Terminates the cluster after a failure, before the execution fails with the original error. */
  public static readonly TERMINATE_CLUSTER_AFTER_FAILURE = 'Terminate cluster after failure';
  /** Fails the execution with the error that caused the failure. */
  public static readonly FAILED = 'Failed';
}

/**
 * The EMR-managed security groups of the pipeline's clusters. EMR adds the rules a cluster needs
 * to them (the EMR Management Guide, "Working with Amazon EMR-managed security groups").
 */
export interface EmrPipelineSecurityGroups {
  /** The group of the primary (master) node: `EmrManagedMasterSecurityGroup`. */
  readonly primary: ec2.ISecurityGroup;
  /** The group of the core and task nodes: `EmrManagedSlaveSecurityGroup`. */
  readonly coreAndTask: ec2.ISecurityGroup;
  /**
   * The group through which the EMR service reaches clusters in private subnets:
   * `ServiceAccessSecurityGroup`. Required in private subnets (any cluster subnet that is not
   * one of the VPC's public subnets), not allowed in public ones.
   * @default - none (clusters in public subnets)
   */
  readonly serviceAccess?: ec2.ISecurityGroup;
}

/** Properties of an {@link EmrPipeline}. */
export interface EmrPipelineProps {
  /**
   * The VPC the pipeline's clusters run in.
   *
   * The default EMR service role uses `AmazonEMRServicePolicy_v2`, which only launches instances in
   * subnets tagged `for-use-with-amazon-emr-managed-policies=true` (and acts only on VPCs and
   * security groups tagged so): the pipeline adds that tag to the VPC and the selected subnets when
   * they are defined in this app; an imported VPC and its subnets must already carry it.
   */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets of the cluster. Instance groups use the first selected subnet; instance fleets get
   * all of them and EMR picks the best one.
   * @default - the VPC's default selection (private subnets when there are any)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The EMR-managed security groups of created clusters. Groups you bring are used as they are:
   * they need the `for-use-with-amazon-emr-managed-policies=true` tag for the default service
   * role, and the rules EMR adds between them are yours to remove before they can be deleted.
   * @default - three groups the pipeline creates in the VPC (primary, core/task, and, in private
   *            subnets, service access), tagged for `AmazonEMRServicePolicy_v2`, whose rules that
   *            reference one another are revoked when the stack deletes them
   */
  readonly managedSecurityGroups?: EmrPipelineSecurityGroups;

  /**
   * The EMR release of created clusters, `emr-X.Y.Z`, emr-5.28.0 or later (step concurrency).
   * Idle auto-termination needs emr-5.30.0+ or emr-6.1.0+; on older releases it is left out with a warning.
   * @default 'emr-7.5.0'
   * @see https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-release-components.html
   */
  readonly releaseLabel?: string;

  /**
   * Applications installed on created clusters.
   * @default ['Spark']
   */
  readonly applications?: string[];

  /**
   * Instance type of the primary (master) node. Conflicts with `instanceFleets`.
   * @default m5.xlarge
   */
  readonly masterInstanceType?: ec2.InstanceType;

  /**
   * Instance type of the core nodes. Conflicts with `instanceFleets`.
   * @default m5.xlarge
   */
  readonly coreInstanceType?: ec2.InstanceType;

  /**
   * Number of core nodes; 0 makes a single-node cluster. Conflicts with `instanceFleets`.
   * @default 2
   */
  readonly coreInstanceCount?: number;

  /**
   * Instance fleets instead of the instance groups defined by the three props above, for Spot
   * capacity or several instance types.
   * @default - instance groups (one primary node and `coreInstanceCount` core nodes)
   * @see https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-instance-fleet.html
   */
  readonly instanceFleets?: tasks.EmrCreateCluster.InstanceFleetConfigProperty[];

  /**
   * How many steps of one execution run at the same time (the Map state's `MaxConcurrency`).
   * An integer >= 0; 0 means no limit in Step Functions (EMR still runs at most
   * `stepConcurrencyLevel` steps at once and queues the rest).
   * @default 4
   */
  readonly maxConcurrency?: number;

  /**
   * The created cluster's `StepConcurrencyLevel`. Valid range: 1-256, and at least `maxConcurrency`
   * so EMR can run every step the Map starts.
   * @default - `maxConcurrency` (256 when `maxConcurrency` is 0 or above 256)
   * @see https://docs.aws.amazon.com/emr/latest/APIReference/API_RunJobFlow.html#EMR-RunJobFlow-request-StepConcurrencyLevel
   */
  readonly stepConcurrencyLevel?: number;

  /**
   * Idle time after which a created cluster terminates itself: the backstop if every other
   * teardown fails. Valid range: 60 seconds to 7 days, in whole seconds.
   * @default Duration.hours(1)
   * @see https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-auto-termination-policy.html
   */
  readonly idleTimeout?: Duration;

  /**
   * Bucket for cluster logs (written under `emr-logs/`). A bucket you bring is not modified; if it
   * uses SSE-KMS, grant the instance role use of its key.
   * @default - a new bucket: SSE-S3, TLS only, public access blocked, server access logs, objects
   *            expire after `logExpiration`
   */
  readonly logBucket?: s3.IBucket;

  /**
   * How long cluster logs (and their server access logs) stay in the bucket the pipeline creates.
   * A whole number of days, at least 1. Conflicts with `logBucket`.
   * @default Duration.days(90)
   */
  readonly logExpiration?: Duration;

  /**
   * The EMR service role.
   * @default - a role with the AWS managed `AmazonEMRServicePolicy_v2`
   * @see https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-iam-role.html
   */
  readonly serviceRole?: iam.IRole;

  /**
   * The role of the cluster's EC2 instances. It must have an instance profile of the same name.
   * Grant it your data access (`grantRead(pipeline.instanceRole)`).
   * @default - a role (and instance profile) that may only write the cluster logs
   * @see https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-iam-role-for-ec2.html
   */
  readonly instanceRole?: iam.IRole;

  /**
   * The cluster's `VisibleToAllUsers` flag. EMR now documents the flag as no longer supported
   * (access is decided by IAM policies alone, which is also what lets the teardown state machine's
   * role terminate a cluster the pipeline's role created); the pipeline still sends an explicit value.
   * @default false
   * @see https://docs.aws.amazon.com/emr/latest/APIReference/API_RunJobFlow.html#EMR-RunJobFlow-request-VisibleToAllUsers
   */
  readonly visibleToAllUsers?: boolean;

  /**
   * Name of an EMR security configuration (encryption at rest and in transit, Kerberos, ...) for
   * created clusters, e.g. a `CfnSecurityConfiguration`'s `ref`.
   * @default - none
   * @see https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-security-configurations.html
   */
  readonly securityConfiguration?: string;

  /**
   * Whether an execution given an existing `clusterId` terminates that cluster when it ends.
   * Clusters the pipeline creates are always terminated.
   * @default false - a cluster the pipeline did not create is left running
   */
  readonly terminateGivenCluster?: boolean;

  /**
   * Maximum run time of one execution; a timed-out execution's cluster is terminated. Valid range:
   * 1 second to 365 days, in whole seconds.
   * @default Duration.hours(6)
   */
  readonly timeout?: Duration;

  /**
   * Which execution events are logged.
   * @default sfn.LogLevel.ALL
   */
  readonly logLevel?: sfn.LogLevel;

  /**
   * Whether logs include execution data (inputs, outputs, step arguments). Turn off when step
   * arguments carry data that must not reach CloudWatch Logs.
   * @default true
   */
  readonly includeExecutionData?: boolean;

  /**
   * Retention of the execution logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Customer-managed key that encrypts the execution log groups.
   * @default - a new key with rotation enabled
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Topic notified when an alarm goes to ALARM and back to OK.
   * @default - alarms without actions
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Runs a list of data-processing steps (Spark, Hive, any `command-runner.jar` command) on Amazon
 * EMR from a Step Functions state machine, with bounded parallelism, and never leaves a cluster it
 * created running.
 *
 * Execution input: `{ "steps": [{ "name": "...", "jar": "command-runner.jar", "args": ["spark-submit", ...] }],
 * "clusterId"?: "j-..." }`. Without `clusterId` a cluster is created for the execution and
 * terminated at its end, whatever the outcome.
 */
export class EmrPipeline extends Construct implements IDashboardSource {
  /** The pipeline's state machine. */
  public readonly stateMachine: sfn.StateMachine;
  /** Terminates the clusters of executions that failed, timed out or were aborted. */
  public readonly teardownStateMachine: sfn.StateMachine;
  /** Starts the teardown state machine on this pipeline's failed, timed-out and aborted executions. */
  public readonly teardownRule: events.Rule;
  /** Teardown events EventBridge could not deliver (alarmed on). */
  public readonly teardownDeadLetterQueue: sqs.Queue;
  /** Execution logs of both state machines. */
  public readonly logGroup: logs.LogGroup;
  /** The key encrypting the log group. */
  public readonly encryptionKey: kms.IKey;
  /** Where clusters write their logs. */
  public readonly logBucket: s3.IBucket;
  /** The EMR-managed security groups of created clusters (allow your data stores' access from them). */
  public readonly securityGroups: EmrPipelineSecurityGroups;
  /** The EMR service role. */
  public readonly serviceRole: iam.IRole;
  /** The role of the cluster's EC2 instances; grant it access to your data. */
  public readonly instanceRole: iam.IRole;
  /** Alarms on failed, timed-out and aborted executions, failed teardowns and undelivered teardown events. */
  public readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: EmrPipelineProps) {
    super(scope, id);

    const maxConcurrency = props.maxConcurrency ?? 4;
    const stepConcurrencyLevel = props.stepConcurrencyLevel ?? defaultStepConcurrency(maxConcurrency);
    const releaseLabel = props.releaseLabel ?? 'emr-7.5.0';
    const idleTimeout = props.idleTimeout ?? Duration.hours(1);
    const autoTermination = this.validate(props, maxConcurrency, releaseLabel);

    this.encryptionKey = props.encryptionKey ?? this.createLogKey();
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      // Step Functions delivers logs as vended logs: under /aws/vendedlogs/ CloudWatch Logs needs no
      // resource policy entry per log group, whose 5,120-character limit an account with many state
      // machines otherwise reaches and fails the deploy (aws-cdk#28900).
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`,
      encryptionKey: this.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    acknowledgeChosenRetention(this.logGroup, 'logRetention', props.logRetention);

    this.logBucket = props.logBucket ?? this.createLogBucket(props.logExpiration ?? Duration.days(90));
    this.serviceRole = props.serviceRole ?? this.createServiceRole();
    this.instanceRole = props.instanceRole ?? this.createInstanceRole();
    // EMR's log pusher on the instances writes under the prefix; nothing else is needed to boot.
    this.instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [this.logBucket.arnForObjects(`${LOG_PREFIX}*`)],
    }));
    // (cdk-nag names the resource by the bucket's logical id, or by its name when it is imported)
    const logBucketResource = this.logBucket.node.defaultChild;
    const logBucketArn = logBucketResource instanceof s3.CfnBucket
      ? `<${Stack.of(logBucketResource).getLogicalId(logBucketResource)}.Arn>`
      : `arn:<AWS::Partition>:s3:::${this.logBucket.bucketName}`;
    acknowledgeNagRule(this.instanceRole, `AwsSolutions-IAM5[Resource::${logBucketArn}/${LOG_PREFIX}*]`,
      'EMR names its log objects per cluster, node and application at run time; writes are confined to the log prefix.');

    const subnets = props.vpc.selectSubnets(props.vpcSubnets);
    // AmazonEMRServicePolicy_v2 launches instances only in tagged subnets (and acts only on a tagged
    // VPC). Only those resources are tagged (not their children), and only when they are defined in
    // this app.
    for (const network of [props.vpc, ...subnets.subnets]) {
      const resource = network.node.defaultChild;
      if (resource instanceof CfnResource) {
        Tags.of(resource).add(EMR_MANAGED_POLICY_TAG, 'true');
      }
    }
    // Instance groups launch in the first subnet, fleets in any of them.
    const clusterSubnets = props.instanceFleets ? subnets.subnets : subnets.subnets.slice(0, 1);
    const privateSubnets = this.inPrivateSubnets(props.vpc, clusterSubnets);
    const ownGroups = props.managedSecurityGroups ? undefined : new ManagedSecurityGroups(this, 'SecurityGroups', { vpc: props.vpc, privateSubnets });
    this.securityGroups = props.managedSecurityGroups ?? ownGroups!;
    validateSecurityGroups(this.securityGroups, privateSubnets);

    const failed = new sfn.Fail(this, 'Failed', {
      stateName: EmrPipelineStates.FAILED,
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });

    const createCluster = new CreateClusterTask(this, 'CreateCluster', {
      stateName: EmrPipelineStates.CREATE_CLUSTER,
      // The execution ARN, unique in the account and region, is how the teardown state machine
      // finds the execution's clusters (and how a person matches a cluster to its execution).
      name: sfn.JsonPath.stringAt('$$.Execution.Id'),
      releaseLabel,
      applications: (props.applications ?? ['Spark']).map((name) => ({ name })),
      instances: {
        ...this.instances(props, subnets.subnetIds),
        // Without them EMR creates its default groups in the VPC, which the stack does not own.
        emrManagedMasterSecurityGroup: this.securityGroups.primary.securityGroupId,
        emrManagedSlaveSecurityGroup: this.securityGroups.coreAndTask.securityGroupId,
        serviceAccessSecurityGroup: this.securityGroups.serviceAccess?.securityGroupId,
      },
      serviceRole: this.serviceRole,
      clusterRole: this.instanceRole,
      logUri: `s3://${this.logBucket.bucketName}/${LOG_PREFIX}`,
      stepConcurrencyLevel,
      autoTerminationPolicyIdleTimeout: autoTermination ? idleTimeout : undefined,
      visibleToAllUsers: props.visibleToAllUsers ?? false,
      securityConfiguration: props.securityConfiguration,
      tags: { [EMR_MANAGED_POLICY_TAG]: 'true' },
      // Submit only (RunJobFlow); the wait is a separate loop, so a retry never re-submits.
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      resultSelector: { clusterId: sfn.JsonPath.stringAt('$.ClusterId'), terminate: true },
      resultPath: '$.cluster',
    });
    retryOnThrottling(createCluster);
    if (!props.instanceFleets) {
      // EmrCreateCluster adds this role for instance groups (automatic scaling policies).
      acknowledgeNagRule(createCluster, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonElasticMapReduceforAutoScalingRole]',
        'The auto-scaling role of EMR instance groups needs this AWS-maintained policy; only EMR and Application Auto Scaling can assume it.');
    }
    // No cluster id is known here; a cluster created anyway is the teardown state machine's.
    createCluster.addCatch(failed, { resultPath: '$.error' });

    const useGivenCluster = new sfn.Pass(this, 'UseGivenCluster', {
      stateName: EmrPipelineStates.USE_GIVEN_CLUSTER,
      parameters: { clusterId: sfn.JsonPath.stringAt('$.clusterId'), terminate: props.terminateGivenCluster ?? false },
      resultPath: '$.cluster',
    });

    const runStep = new tasks.EmrAddStep(this, 'RunStep', {
      stateName: EmrPipelineStates.RUN_STEP,
      clusterId: sfn.JsonPath.stringAt('$.clusterId'),
      name: sfn.JsonPath.stringAt('$.step.name'),
      jar: sfn.JsonPath.stringAt('$.step.jar'),
      args: sfn.JsonPath.listAt('$.step.args'),
      // The pipeline decides what a failed step means; TERMINATE_CLUSTER and CANCEL_AND_WAIT are
      // not even accepted when the step concurrency level is above 1.
      actionOnFailure: tasks.ActionOnFailure.CONTINUE,
      // Submit only (AddJobFlowSteps); the wait is a separate loop, so a retry never adds the step twice.
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      resultSelector: { stepId: sfn.JsonPath.stringAt('$.StepId') },
      resultPath: '$.submitted',
    });
    retryOnThrottling(runStep);

    const stepFailed = new sfn.Pass(this, 'StepFailed', {
      stateName: EmrPipelineStates.STEP_FAILED,
      parameters: { Error: 'StepFailed', Cause: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.described.Step.Status')) },
      resultPath: '$.error',
    }).next(new sfn.Fail(this, 'FailStep', {
      stateName: EmrPipelineStates.FAIL_STEP,
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    }));
    const waitForStep = new sfn.Wait(this, 'WaitForStep', { stateName: EmrPipelineStates.WAIT_FOR_STEP, time: sfn.WaitTime.duration(STEP_POLL_INTERVAL) });
    const describeStep = this.describe('DescribeStep', EmrPipelineStates.DESCRIBE_STEP, 'describeStep', {
      ClusterId: sfn.JsonPath.stringAt('$.clusterId'),
      StepId: sfn.JsonPath.stringAt('$.submitted.stepId'),
    });
    runStep.next(waitForStep).next(describeStep).next(this.whenStatePresent('StepStateKnown', EmrPipelineStates.STEP_STATE_KNOWN,
      '$.described.Step.Status.State', waitForStep,
      new sfn.Choice(this, 'StepFinished', { stateName: EmrPipelineStates.STEP_FINISHED })
        .when(sfn.Condition.stringEquals('$.described.Step.Status.State', 'COMPLETED'),
          new sfn.Succeed(this, 'StepCompleted', { stateName: EmrPipelineStates.STEP_COMPLETED }))
        .when(anyOf('$.described.Step.Status.State', ['FAILED', 'CANCELLED', 'INTERRUPTED']), stepFailed)
        .otherwise(waitForStep)));

    const runSteps = new sfn.Map(this, 'RunSteps', {
      stateName: EmrPipelineStates.RUN_STEPS,
      itemsPath: '$.steps',
      maxConcurrency,
      itemSelector: {
        clusterId: sfn.JsonPath.stringAt('$.cluster.clusterId'),
        step: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
      },
      // Step descriptions are not kept: hundreds of them would outgrow the 256 KiB payload limit.
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(runStep);

    const terminate = this.terminateTask('TerminateCluster', EmrPipelineStates.TERMINATE_CLUSTER);
    // A failed terminate call fails the execution; the teardown state machine then terminates it.
    terminate.addCatch(failed, { resultPath: '$.error' });
    const succeeded = new sfn.Succeed(this, 'Succeeded', { stateName: EmrPipelineStates.SUCCEEDED });

    const terminateAfterFailure = this.terminateTask('TerminateClusterAfterFailure', EmrPipelineStates.TERMINATE_CLUSTER_AFTER_FAILURE);
    // Keep `$.error` (the step's error) for the Fail state; the teardown state machine retries.
    terminateAfterFailure.addCatch(failed, { resultPath: '$.terminateError' });
    const afterFailure = new sfn.Choice(this, 'TerminateAfterFailure?', { stateName: EmrPipelineStates.TERMINATE_AFTER_FAILURE })
      .when(sfn.Condition.booleanEquals('$.cluster.terminate', true), terminateAfterFailure.next(failed))
      .otherwise(failed);
    runSteps.addCatch(afterFailure, { resultPath: '$.error' });

    // Wait until the cluster accepts steps. EMR terminates a cluster that fails to start.
    const waitForCluster = new sfn.Wait(this, 'WaitForCluster', { stateName: EmrPipelineStates.WAIT_FOR_CLUSTER, time: sfn.WaitTime.duration(CLUSTER_POLL_INTERVAL) });
    const describeCluster = this.describe('DescribeCluster', EmrPipelineStates.DESCRIBE_CLUSTER, 'describeCluster', {
      ClusterId: sfn.JsonPath.stringAt('$.cluster.clusterId'),
    });
    describeCluster.addCatch(afterFailure, { resultPath: '$.error' });
    const clusterFailed = new sfn.Pass(this, 'ClusterFailed', {
      stateName: EmrPipelineStates.CLUSTER_FAILED,
      parameters: { Error: 'ClusterTerminated', Cause: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.described.Cluster.Status')) },
      resultPath: '$.error',
    }).next(failed);
    createCluster.next(waitForCluster).next(describeCluster).next(this.whenStatePresent('ClusterStateKnown', EmrPipelineStates.CLUSTER_STATE_KNOWN,
      '$.described.Cluster.Status.State', waitForCluster,
      new sfn.Choice(this, 'ClusterReady', { stateName: EmrPipelineStates.CLUSTER_READY })
        .when(anyOf('$.described.Cluster.Status.State', ['WAITING', 'RUNNING']), runSteps)
        .when(anyOf('$.described.Cluster.Status.State', ['TERMINATING', 'TERMINATED', 'TERMINATED_WITH_ERRORS']), clusterFailed)
        .otherwise(waitForCluster)));

    const definition = new sfn.Choice(this, 'ValidateInput', { stateName: EmrPipelineStates.VALIDATE_INPUT })
      .when(sfn.Condition.not(sfn.Condition.isPresent('$.steps')),
        new sfn.Fail(this, 'InvalidInput', {
          stateName: EmrPipelineStates.INVALID_INPUT,
          error: 'InvalidInput',
          cause: 'The execution input needs a "steps" list: [{ "name": ..., "jar": ..., "args": [...] }]',
        }))
      .when(sfn.Condition.isPresent('$.clusterId'), useGivenCluster)
      .otherwise(createCluster);
    useGivenCluster.next(runSteps);
    runSteps.next(
      new sfn.Choice(this, 'TerminateWhenDone?', { stateName: EmrPipelineStates.TERMINATE_WHEN_DONE })
        .when(sfn.Condition.booleanEquals('$.cluster.terminate', true), terminate.next(succeeded))
        .otherwise(succeeded),
    );

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Runs the input\'s steps on an EMR cluster and terminates the cluster it created',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: props.timeout ?? Duration.hours(6),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: props.logLevel ?? sfn.LogLevel.ALL,
        includeExecutionData: props.includeExecutionData ?? true,
      },
    });
    this.acknowledgeStateMachineRole();
    // At stack deletion the cleanup runs after the state machine is gone, so no execution can
    // start a cluster (and EMR add rules again) behind it.
    ownGroups?.cleanup.node.addDependency(this.stateMachine);

    const teardown = new Teardown(this, 'Teardown', {
      pipeline: this.stateMachine,
      terminateGivenCluster: props.terminateGivenCluster ?? false,
      logGroup: this.logGroup,
    });
    this.teardownStateMachine = teardown.stateMachine;
    this.teardownRule = teardown.rule;
    this.teardownDeadLetterQueue = teardown.deadLetterQueue;

    this.alarms = [
      createAlarm(this, 'ExecutionsFailedAlarm', {
        metric: this.metricExecutionsFailed(),
        threshold: 1,
        description: 'An EMR pipeline execution failed (its cluster is being terminated)',
      }, props.alarmTopic),
      createAlarm(this, 'ExecutionsTimedOutAlarm', {
        metric: this.metricExecutionsTimedOut(),
        threshold: 1,
        description: 'An EMR pipeline execution timed out (its cluster is being terminated)',
      }, props.alarmTopic),
      createAlarm(this, 'ExecutionsAbortedAlarm', {
        metric: this.metricExecutionsAborted(),
        threshold: 1,
        description: 'An EMR pipeline execution was aborted (its cluster is being terminated)',
      }, props.alarmTopic),
      createAlarm(this, 'TeardownFailedAlarm', {
        metric: this.metricTeardownStateMachineExecutionsFailed(),
        threshold: 1,
        description: 'The EMR pipeline teardown failed: a cluster may still be running (idle auto-termination is the backstop)',
      }, props.alarmTopic),
      createAlarm(this, 'TeardownUndeliveredAlarm', {
        metric: this.metricTeardownDeadLetterQueueApproximateNumberOfMessagesVisible(),
        threshold: 1,
        description: 'EventBridge could not start the EMR pipeline teardown: a cluster may still be running',
      }, props.alarmTopic),
    ];
  }

  /** Permits `grantee` to start executions of the pipeline. */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /**
   * Any Step Functions metric of the pipeline's state machine (namespace `AWS/States`, dimension
   * `StateMachineArn`).
   *
   * @default - sum over 5 minutes
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metric(metricName, props);
  }

  /**
   * Executions that failed (`ExecutionsFailed`).
   *
   * @default - sum over 5 minutes
   */
  public metricExecutionsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(withSum(props));
  }

  /**
   * Executions that timed out (`ExecutionsTimedOut`).
   *
   * @default - sum over 5 minutes
   */
  public metricExecutionsTimedOut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTimedOut(withSum(props));
  }

  /**
   * Executions that were aborted (`ExecutionsAborted`).
   *
   * @default - sum over 5 minutes
   */
  public metricExecutionsAborted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricAborted(withSum(props));
  }

  /**
   * Executions that succeeded (`ExecutionsSucceeded`).
   *
   * @default - sum over 5 minutes
   */
  public metricExecutionsSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricSucceeded(withSum(props));
  }

  /**
   * Executions started (`ExecutionsStarted`).
   *
   * @default - sum over 5 minutes
   */
  public metricExecutionsStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricStarted(withSum(props));
  }

  /**
   * Execution run time (`ExecutionTime`, milliseconds).
   *
   * @default - average over 5 minutes
   */
  public metricExecutionTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTime(props);
  }

  /**
   * Teardown executions that failed (`ExecutionsFailed` of `teardownStateMachine`): a cluster may still be running.
   *
   * @default - sum over 5 minutes
   */
  public metricTeardownStateMachineExecutionsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.teardownStateMachine.metricFailed(withSum(props));
  }

  /**
   * Teardown executions that succeeded (`ExecutionsSucceeded` of `teardownStateMachine`).
   *
   * @default - sum over 5 minutes
   */
  public metricTeardownStateMachineExecutionsSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.teardownStateMachine.metricSucceeded(withSum(props));
  }

  /**
   * Teardown events EventBridge could not deliver, waiting in `teardownDeadLetterQueue` (its `ApproximateNumberOfMessagesVisible`).
   *
   * @default - maximum over 5 minutes
   */
  public metricTeardownDeadLetterQueueApproximateNumberOfMessagesVisible(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.teardownDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * The pipeline on a `ServiceDashboard`: executions by status (started, succeeded, failed, timed
   * out, aborted) with the alarms' thresholds, execution time, and the teardown's health (failed
   * and succeeded teardowns, undelivered teardown events).
   *
   * Metrics: Step Functions execution metrics, dimension `StateMachineArn`
   * (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html).
   */
  public dashboardWidgets(): cloudwatch.IWidget[] {
    return [
      titleWidget(this, 'EmrPipeline'),
      graphWidget({
        title: 'Executions by status',
        left: [
          this.metricExecutionsStarted({ label: 'Started' }),
          this.metricExecutionsSucceeded({ label: 'Succeeded' }),
          this.metricExecutionsFailed({ label: 'Failed' }),
          this.metricExecutionsTimedOut({ label: 'Timed out' }),
          this.metricExecutionsAborted({ label: 'Aborted' }),
        ],
        leftAnnotations: alarmAnnotations(this, 'ExecutionsFailedAlarm', 'ExecutionsTimedOutAlarm', 'ExecutionsAbortedAlarm'),
      }),
      graphWidget({
        title: 'Execution time (ms)',
        left: [this.metricExecutionTime({ label: 'Average' }), this.metricExecutionTime({ statistic: cloudwatch.Stats.MAXIMUM, label: 'Maximum' })],
      }),
      graphWidget({
        title: 'Teardown (clusters left running?)',
        left: [
          this.metricTeardownStateMachineExecutionsSucceeded({ label: 'Teardowns succeeded' }),
          this.metricTeardownStateMachineExecutionsFailed({ label: 'Teardowns failed' }),
          this.metricTeardownDeadLetterQueueApproximateNumberOfMessagesVisible({ label: 'Undelivered teardown events' }),
        ],
        leftAnnotations: alarmAnnotations(this, 'TeardownFailedAlarm', 'TeardownUndeliveredAlarm'),
      }),
    ];
  }

  /** Checks the props; returns whether the release supports idle auto-termination. */
  private validate(props: EmrPipelineProps, maxConcurrency: number, releaseLabel: string): boolean {
    if (!Token.isUnresolved(maxConcurrency) && (!Number.isInteger(maxConcurrency) || maxConcurrency < 0)) {
      throw new Error(`maxConcurrency must be an integer >= 0 (0 means no limit), got ${maxConcurrency}`);
    }
    validateIntegerRange('stepConcurrencyLevel', props.stepConcurrencyLevel, 1, 256);
    if (props.stepConcurrencyLevel !== undefined && allResolved(props.stepConcurrencyLevel, maxConcurrency)
      && maxConcurrency > 0 && props.stepConcurrencyLevel < maxConcurrency) {
      throw new Error(`stepConcurrencyLevel must be >= maxConcurrency so EMR can run every step the Map starts, got stepConcurrencyLevel ${props.stepConcurrencyLevel} and maxConcurrency ${maxConcurrency}`);
    }
    validateDurationRange('idleTimeout', props.idleTimeout, 'seconds', Duration.seconds(60), Duration.days(7));
    validateDurationRange('timeout', props.timeout, 'seconds', Duration.seconds(1), Duration.days(365));
    if (props.instanceFleets && (props.masterInstanceType || props.coreInstanceType || props.coreInstanceCount !== undefined)) {
      throw new Error('instanceFleets cannot be combined with masterInstanceType, coreInstanceType or coreInstanceCount');
    }
    if (props.logBucket && props.logExpiration) {
      throw new Error('logExpiration applies only to the log bucket the pipeline creates; it cannot be combined with logBucket, whose lifecycle is its own');
    }
    // S3 lifecycle rules count whole days (Expiration.Days, a positive integer with no documented maximum).
    validateDurationRange('logExpiration', props.logExpiration, 'days', Duration.days(1));
    if (props.instanceFleets && props.instanceFleets.length === 0) {
      throw new Error('instanceFleets must list at least the primary (MASTER) fleet, got an empty list');
    }
    const cores = props.coreInstanceCount;
    if (cores !== undefined && !Token.isUnresolved(cores) && (!Number.isInteger(cores) || cores < 0)) {
      throw new Error(`coreInstanceCount must be an integer >= 0 (0 makes a single-node cluster), got ${cores}`);
    }

    if (Token.isUnresolved(releaseLabel)) return true;
    const release = parseReleaseLabel(releaseLabel);
    if (!isAtLeast(release, STEP_CONCURRENCY_FLOOR)) {
      throw new Error(`releaseLabel must be emr-5.28.0 or later (the first release with step concurrency), got ${releaseLabel}`);
    }
    if (!supportsAutoTermination(release)) {
      Annotations.of(this).addWarningV2('cdk-serverless-patterns:emrPipelineNoIdleTermination',
        `${releaseLabel} has no idle auto-termination (emr-5.30.0+ or emr-6.1.0+): created clusters get no idle-timeout backstop`);
      return false;
    }
    return true;
  }

  /**
   * Whether the cluster subnets are private: none is one of the VPC's public subnets. A selection
   * of both fails, since EMR needs a service access group in private subnets only.
   */
  private inPrivateSubnets(vpc: ec2.IVpc, clusterSubnets: ec2.ISubnet[]): boolean {
    const isPublic = (subnet: ec2.ISubnet) => vpc.publicSubnets.some((p) => p === subnet || p.subnetId === subnet.subnetId);
    const publicCount = clusterSubnets.filter(isPublic).length;
    if (publicCount > 0 && publicCount < clusterSubnets.length) {
      throw new Error(`vpcSubnets must select only public or only private subnets for instance fleets (EMR needs a service access security group in private subnets only), got ${publicCount} public and ${clusterSubnets.length - publicCount} private`);
    }
    return publicCount === 0;
  }

  private instances(props: EmrPipelineProps, subnetIds: string[]): tasks.EmrCreateCluster.InstancesConfigProperty {
    if (props.instanceFleets) {
      return { instanceFleets: props.instanceFleets, ec2SubnetIds: subnetIds };
    }
    const coreInstanceCount = props.coreInstanceCount ?? 2;
    const groups: tasks.EmrCreateCluster.InstanceGroupConfigProperty[] = [{
      name: 'Primary',
      instanceRole: tasks.EmrCreateCluster.InstanceRoleType.MASTER,
      instanceType: (props.masterInstanceType ?? ec2.InstanceType.of(ec2.InstanceClass.M5, ec2.InstanceSize.XLARGE)).toString(),
      instanceCount: 1,
    }];
    if (coreInstanceCount !== 0) {
      groups.push({
        name: 'Core',
        instanceRole: tasks.EmrCreateCluster.InstanceRoleType.CORE,
        instanceType: (props.coreInstanceType ?? ec2.InstanceType.of(ec2.InstanceClass.M5, ec2.InstanceSize.XLARGE)).toString(),
        instanceCount: coreInstanceCount,
      });
    }
    return { instanceGroups: groups, ec2SubnetId: subnetIds[0] };
  }

  /** A read-only EMR call through the AWS SDK integration (PascalCase in and out) into `$.described`. */
  private describe(id: string, stateName: string, action: string, parameters: Record<string, unknown>): tasks.CallAwsService {
    const task = new tasks.CallAwsService(this, id, {
      stateName,
      service: 'emr',
      action,
      iamAction: `elasticmapreduce:${action.charAt(0).toUpperCase()}${action.slice(1)}`,
      iamResources: [Stack.of(this).formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: '*' })],
      parameters,
      resultPath: '$.described',
    });
    retryReadOnly(task);
    return task;
  }

  /**
   * A Choice that goes on to `then` only when `path` exists (no member of an API result is
   * guaranteed by the model), so the Choice after it can read the path safely.
   */
  private whenStatePresent(id: string, stateName: string, path: string, otherwise: sfn.IChainable, then: sfn.IChainable): sfn.Choice {
    return new sfn.Choice(this, id, { stateName })
      .when(sfn.Condition.isPresent(path), then)
      .otherwise(otherwise);
  }

  private terminateTask(id: string, stateName: string): tasks.EmrTerminateCluster {
    // RUN_JOB: the execution ends once the cluster is really terminated.
    const task = new tasks.EmrTerminateCluster(this, id, {
      stateName,
      clusterId: sfn.JsonPath.stringAt('$.cluster.clusterId'),
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultPath: sfn.JsonPath.DISCARD,
    });
    retryOnThrottling(task);
    return task;
  }

  private createLogKey(): kms.Key {
    const key = new kms.Key(this, 'LogKey', {
      description: 'Encrypts the execution logs of an EMR pipeline',
      enableKeyRotation: true,
    });
    limitGrantsToAwsServices(key);
    const stack = Stack.of(this);
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

  private createLogBucket(expiration: Duration): s3.Bucket {
    const lifecycleRules = [{ expiration, abortIncompleteMultipartUploadAfter: Duration.days(7) }];
    const accessLogs = new s3.Bucket(this, 'AccessLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules,
    });
    acknowledgeNagRule(accessLogs, 'AwsSolutions-S1',
      'This bucket is the server access log destination of the EMR log bucket; logging it into itself would loop.');
    acknowledgeGuardRules(accessLogs, ACCESS_LOG_BUCKET_GUARD_REASONS);
    const bucket = new s3.Bucket(this, 'LogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules,
    });
    acknowledgeGuardRules(bucket, {
      ...LOG_BUCKET_GUARD_REASONS,
      s3_bucket_default_encryption_kms_check: 'EMR uploads cluster logs with the cluster\'s instance role, which SSE-S3 keeps free of key permissions; a KMS-encrypted bucket can be given as `logBucket`.',
    });
    // Server access logs are delivered under a bucket policy, whatever the app's
    // @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy flag says: the ACL alternative is legacy.
    (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: accessLogs.bucketName,
      logFilePrefix: 'emr-log-bucket/',
    };
    accessLogs.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [accessLogs.arnForObjects('emr-log-bucket/*')],
      conditions: {
        ArnLike: { 'aws:SourceArn': bucket.bucketArn },
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      },
    }));
    return bucket;
  }

  private createServiceRole(): iam.Role {
    const role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('elasticmapreduce.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEMRServicePolicy_v2')],
    });
    acknowledgeNagRule(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2]',
      'The EMR service role policy AWS maintains for new EMR features; v2 only acts on resources tagged for-use-with-amazon-emr-managed-policies, which the pipeline tags.');
    return role;
  }

  private createInstanceRole(): iam.Role {
    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'EC2 instance profile role of the EMR pipeline clusters',
    });
    // EMR looks the instance profile up by the name passed as JobFlowRole: the role's name.
    new iam.CfnInstanceProfile(this, 'InstanceProfile', { roles: [role.roleName], instanceProfileName: role.roleName });
    return role;
  }

  private acknowledgeStateMachineRole(): void {
    const role = this.stateMachine.role;
    acknowledgeNagRule(role, 'AwsSolutions-IAM5[Resource::*]',
      'elasticmapreduce:RunJobFlow creates the cluster and has no resource to scope to; X-Ray and CloudWatch Logs delivery actions do not support resource-level permissions.');
    acknowledgeNagRule(role, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticmapreduce:<AWS::Region>:<AWS::AccountId>:cluster/*]',
      'Cluster ids are created (or given) at run time, one per execution.');
    acknowledgeNagRule(role, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/aws-service-role/elasticmapreduce.amazonaws.com*/AWSServiceRoleForEMRCleanup*]',
      'createCluster must be able to create EMR\'s cleanup service-linked role, whose path AWS defines; the statement is limited to that role and the EMR service name.');
  }
}

function validateSecurityGroups(groups: EmrPipelineSecurityGroups, privateSubnets: boolean): void {
  if (privateSubnets && !groups.serviceAccess) {
    throw new Error('managedSecurityGroups.serviceAccess is required in private subnets (EMR reaches the cluster through it), got none; the selected subnets are private');
  }
  if (!privateSubnets && groups.serviceAccess) {
    throw new Error('managedSecurityGroups.serviceAccess applies only to private subnets, got a group; the selected subnets are public');
  }
}

function defaultStepConcurrency(maxConcurrency: number): number {
  if (Token.isUnresolved(maxConcurrency)) return maxConcurrency;
  return maxConcurrency === 0 ? 256 : Math.min(maxConcurrency, 256);
}

function withSum(props?: cloudwatch.MetricOptions): cloudwatch.MetricOptions {
  return { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM, ...props };
}

/** `path` equals one of `values` (the path must exist). */
function anyOf(path: string, values: string[]): sfn.Condition {
  return sfn.Condition.or(...values.map((value) => sfn.Condition.stringEquals(path, value)));
}

/**
 * EmrCreateCluster that accepts a token idle timeout: aws-cdk-lib's own range check calls
 * `toSeconds()` on it and compares the token's placeholder number, rejecting every token. The
 * pipeline validates literal values itself, so a token timeout is left out of the props and
 * written into the request here.
 */
class CreateClusterTask extends tasks.EmrCreateCluster {
  private readonly idleTimeout?: Duration;

  constructor(scope: Construct, id: string, props: tasks.EmrCreateClusterProps) {
    const idleTimeout = props.autoTerminationPolicyIdleTimeout;
    const isToken = idleTimeout !== undefined && idleTimeout.isUnresolved();
    super(scope, id, { ...props, autoTerminationPolicyIdleTimeout: isToken ? undefined : idleTimeout });
    this.idleTimeout = isToken ? idleTimeout : undefined;
  }

  protected _renderTask(topLevelQueryLanguage?: sfn.QueryLanguage): any {
    const task = super._renderTask(topLevelQueryLanguage);
    if (this.idleTimeout) {
      task.Parameters.AutoTerminationPolicy = { IdleTimeout: this.idleTimeout.toSeconds() };
    }
    return task;
  }
}
