import { Annotations, Duration, Token } from 'aws-cdk-lib';
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
import { LOG_PREFIX, allowLogWrites, clusterNetwork, createInstanceRole, createLogBucket, createServiceRole } from './private/cluster-resources';
import { PipelineDefinitionProps, acknowledgePipelineRole, clusterInstances, pipelineDefinition } from './private/definition';
import { parseReleaseLabel, supportsAutoTermination } from './private/release-label';
import { EMR_PIPELINE_SPEC } from './private/spec';
import { Teardown } from './private/teardown';
import { createAlarm } from '../common/alarms';
import { alarmAnnotations, graphWidget, titleWidget } from '../common/dashboard';
import { resolveProps } from '../common/spec';
import { createLoggedStateMachine, createStateMachineLogGroup } from '../common/state-machine';
import { IDashboardSource } from '../service-dashboard/dashboard-source';

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
   * @default emr-7.5.0
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
   * Customer-managed key that encrypts the execution log group of both state machines (not the
   * cluster logs in `logBucket`).
   * @default - a new key with rotation enabled
   */
  readonly logGroupEncryptionKey?: kms.IKey;

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
  /** The key encrypting `logGroup`. */
  public readonly logGroupEncryptionKey: kms.IKey;
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

    const config = resolveProps(EMR_PIPELINE_SPEC, props);

    const logging = createStateMachineLogGroup(this, {
      encryptionKey: config.logGroupEncryptionKey,
      retention: config.logRetention,
      retentionProp: 'logRetention',
      keyDescription: 'Encrypts the execution logs of an EMR pipeline',
    });
    this.logGroupEncryptionKey = logging.encryptionKey;
    this.logGroup = logging.logGroup;

    this.logBucket = config.logBucket ?? createLogBucket(this, config.logExpiration);
    this.serviceRole = config.serviceRole ?? createServiceRole(this);
    this.instanceRole = config.instanceRole ?? createInstanceRole(this);
    allowLogWrites(this.instanceRole, this.logBucket);

    const network = clusterNetwork(this, {
      vpc: config.vpc,
      vpcSubnets: config.vpcSubnets,
      managedSecurityGroups: config.managedSecurityGroups,
      fleets: config.instanceFleets !== undefined,
    });
    this.securityGroups = network.securityGroups;

    const clusterConfig: PipelineDefinitionProps = {
      releaseLabel: config.releaseLabel,
      applications: config.applications,
      instances: {
        ...clusterInstances(config, network.subnets.subnetIds),
        // Without them EMR creates its default groups in the VPC, which the stack does not own.
        emrManagedMasterSecurityGroup: this.securityGroups.primary.securityGroupId,
        emrManagedSlaveSecurityGroup: this.securityGroups.coreAndTask.securityGroupId,
        serviceAccessSecurityGroup: this.securityGroups.serviceAccess?.securityGroupId,
      },
      instanceGroups: !config.instanceFleets,
      serviceRole: this.serviceRole,
      instanceRole: this.instanceRole,
      logUri: `s3://${this.logBucket.bucketName}/${LOG_PREFIX}`,
      maxConcurrency: config.maxConcurrency,
      stepConcurrencyLevel: config.stepConcurrencyLevel,
      idleTimeout: this.autoTerminationSupported(config.releaseLabel) ? config.idleTimeout : undefined,
      visibleToAllUsers: config.visibleToAllUsers,
      securityConfiguration: config.securityConfiguration,
      terminateGivenCluster: config.terminateGivenCluster,
    };

    this.stateMachine = createLoggedStateMachine(this, 'StateMachine', {
      comment: 'Runs the input\'s steps on an EMR cluster and terminates the cluster it created',
      definition: pipelineDefinition(this, clusterConfig),
      timeout: config.timeout,
      logGroup: this.logGroup,
      level: config.logLevel,
      includeExecutionData: config.includeExecutionData,
    });
    acknowledgePipelineRole(this.stateMachine.role);
    // At stack deletion the cleanup runs after the state machine is gone, so no execution can
    // start a cluster (and EMR add rules again) behind it.
    network.ownGroups?.cleanup.node.addDependency(this.stateMachine);

    const teardown = new Teardown(this, 'Teardown', {
      pipeline: this.stateMachine,
      terminateGivenCluster: config.terminateGivenCluster,
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
      }, config.alarmTopic),
      createAlarm(this, 'ExecutionsTimedOutAlarm', {
        metric: this.metricExecutionsTimedOut(),
        threshold: 1,
        description: 'An EMR pipeline execution timed out (its cluster is being terminated)',
      }, config.alarmTopic),
      createAlarm(this, 'ExecutionsAbortedAlarm', {
        metric: this.metricExecutionsAborted(),
        threshold: 1,
        description: 'An EMR pipeline execution was aborted (its cluster is being terminated)',
      }, config.alarmTopic),
      createAlarm(this, 'TeardownFailedAlarm', {
        metric: this.metricTeardownStateMachineExecutionsFailed(),
        threshold: 1,
        description: 'The EMR pipeline teardown failed: a cluster may still be running (idle auto-termination is the backstop)',
      }, config.alarmTopic),
      createAlarm(this, 'TeardownUndeliveredAlarm', {
        metric: this.metricTeardownDeadLetterQueueApproximateNumberOfMessagesVisible(),
        threshold: 1,
        description: 'EventBridge could not start the EMR pipeline teardown: a cluster may still be running',
      }, config.alarmTopic),
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
  /**
   * Whether created clusters get an idle auto-termination policy: their release must have it
   * (emr-5.30.0+ or emr-6.1.0+); without it the pipeline warns that there is no backstop.
   */
  private autoTerminationSupported(releaseLabel: string): boolean {
    if (Token.isUnresolved(releaseLabel) || supportsAutoTermination(parseReleaseLabel(releaseLabel))) return true;
    Annotations.of(this).addWarningV2('cdk-serverless-patterns:EmrPipeline:noIdleTermination',
      `${releaseLabel} has no idle auto-termination (emr-5.30.0+ or emr-6.1.0+): created clusters get no idle-timeout backstop`);
    return false;
  }
}

function withSum(props?: cloudwatch.MetricOptions): cloudwatch.MetricOptions {
  return { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM, ...props };
}
