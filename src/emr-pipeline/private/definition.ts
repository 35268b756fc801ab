import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { retryOnThrottling, retryReadOnly } from './retry';
import { EMR_MANAGED_POLICY_TAG } from './security-groups';
import { acknowledgeNagRule } from '../../common/nag';
import { EmrPipelineStates } from '../states';

/**
 * How often a starting cluster and a running step are looked at. Each look adds about 9 events to
 * the execution history (limit 25,000): at 2 minutes a step costs about 270 events an hour.
 */
const CLUSTER_POLL_INTERVAL = Duration.minutes(1);
const STEP_POLL_INTERVAL = Duration.minutes(2);

/** What the pipeline's state machine definition is built from (defaults applied). */
export interface PipelineDefinitionProps {
  readonly releaseLabel: string;
  readonly applications: string[];
  readonly instances: tasks.EmrCreateCluster.InstancesConfigProperty;
  /** Whether the cluster uses instance groups, for which EmrCreateCluster adds an auto-scaling role. */
  readonly instanceGroups: boolean;
  readonly serviceRole: iam.IRole;
  readonly instanceRole: iam.IRole;
  readonly logUri: string;
  readonly maxConcurrency: number;
  readonly stepConcurrencyLevel: number;
  /** The idle auto-termination timeout, when the release supports it. */
  readonly idleTimeout?: Duration;
  readonly visibleToAllUsers: boolean;
  readonly securityConfiguration?: string;
  readonly terminateGivenCluster: boolean;
}

/** The instances of created clusters: the given fleets, or one primary and `coreInstanceCount` core nodes. */
export function clusterInstances(props: {
  readonly instanceFleets?: tasks.EmrCreateCluster.InstanceFleetConfigProperty[];
  readonly masterInstanceType: ec2.InstanceType;
  readonly coreInstanceType: ec2.InstanceType;
  readonly coreInstanceCount: number;
}, subnetIds: string[]): tasks.EmrCreateCluster.InstancesConfigProperty {
  if (props.instanceFleets) {
    return { instanceFleets: props.instanceFleets, ec2SubnetIds: subnetIds };
  }
  const groups: tasks.EmrCreateCluster.InstanceGroupConfigProperty[] = [{
    name: 'Primary',
    instanceRole: tasks.EmrCreateCluster.InstanceRoleType.MASTER,
    instanceType: props.masterInstanceType.toString(),
    instanceCount: 1,
  }];
  if (props.coreInstanceCount !== 0) {
    groups.push({
      name: 'Core',
      instanceRole: tasks.EmrCreateCluster.InstanceRoleType.CORE,
      instanceType: props.coreInstanceType.toString(),
      instanceCount: props.coreInstanceCount,
    });
  }
  return { instanceGroups: groups, ec2SubnetId: subnetIds[0] };
}

/**
 * The pipeline's states, created in `scope` (their construct ids are the pipeline's): validate the
 * input, create (or use) a cluster and wait until it is ready, run the steps in a Map, terminate
 * the cluster at the end and on the Map's Catch path.
 */
export function pipelineDefinition(scope: Construct, props: PipelineDefinitionProps): sfn.IChainable {
  const failed = new sfn.Fail(scope, 'Failed', {
    stateName: EmrPipelineStates.FAILED,
    errorPath: '$.error.Error',
    causePath: '$.error.Cause',
  });

  const createCluster = new CreateClusterTask(scope, 'CreateCluster', {
    stateName: EmrPipelineStates.CREATE_CLUSTER,
    // The execution ARN, unique in the account and region, is how the teardown state machine
    // finds the execution's clusters (and how a person matches a cluster to its execution).
    name: sfn.JsonPath.stringAt('$$.Execution.Id'),
    releaseLabel: props.releaseLabel,
    applications: props.applications.map((name) => ({ name })),
    instances: props.instances,
    serviceRole: props.serviceRole,
    clusterRole: props.instanceRole,
    logUri: props.logUri,
    stepConcurrencyLevel: props.stepConcurrencyLevel,
    autoTerminationPolicyIdleTimeout: props.idleTimeout,
    visibleToAllUsers: props.visibleToAllUsers,
    securityConfiguration: props.securityConfiguration,
    tags: { [EMR_MANAGED_POLICY_TAG]: 'true' },
    // Submit only (RunJobFlow); the wait is a separate loop, so a retry never re-submits.
    integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
    resultSelector: { clusterId: sfn.JsonPath.stringAt('$.ClusterId'), terminate: true },
    resultPath: '$.cluster',
  });
  retryOnThrottling(createCluster);
  if (props.instanceGroups) {
    // EmrCreateCluster adds this role for instance groups (automatic scaling policies).
    acknowledgeNagRule(createCluster, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonElasticMapReduceforAutoScalingRole]',
      'The auto-scaling role of EMR instance groups needs this AWS-maintained policy; only EMR and Application Auto Scaling can assume it.');
  }
  // No cluster id is known here; a cluster created anyway is the teardown state machine's.
  createCluster.addCatch(failed, { resultPath: '$.error' });

  const useGivenCluster = new sfn.Pass(scope, 'UseGivenCluster', {
    stateName: EmrPipelineStates.USE_GIVEN_CLUSTER,
    parameters: { clusterId: sfn.JsonPath.stringAt('$.clusterId'), terminate: props.terminateGivenCluster },
    resultPath: '$.cluster',
  });

  const runStep = new tasks.EmrAddStep(scope, 'RunStep', {
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

  const stepFailed = new sfn.Pass(scope, 'StepFailed', {
    stateName: EmrPipelineStates.STEP_FAILED,
    parameters: { Error: 'StepFailed', Cause: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.described.Step.Status')) },
    resultPath: '$.error',
  }).next(new sfn.Fail(scope, 'FailStep', {
    stateName: EmrPipelineStates.FAIL_STEP,
    errorPath: '$.error.Error',
    causePath: '$.error.Cause',
  }));
  const waitForStep = new sfn.Wait(scope, 'WaitForStep', { stateName: EmrPipelineStates.WAIT_FOR_STEP, time: sfn.WaitTime.duration(STEP_POLL_INTERVAL) });
  const describeStep = describe(scope, 'DescribeStep', EmrPipelineStates.DESCRIBE_STEP, 'describeStep', {
    ClusterId: sfn.JsonPath.stringAt('$.clusterId'),
    StepId: sfn.JsonPath.stringAt('$.submitted.stepId'),
  });
  runStep.next(waitForStep).next(describeStep).next(whenStatePresent(scope, 'StepStateKnown', EmrPipelineStates.STEP_STATE_KNOWN,
    '$.described.Step.Status.State', waitForStep,
    new sfn.Choice(scope, 'StepFinished', { stateName: EmrPipelineStates.STEP_FINISHED })
      .when(sfn.Condition.stringEquals('$.described.Step.Status.State', 'COMPLETED'),
        new sfn.Succeed(scope, 'StepCompleted', { stateName: EmrPipelineStates.STEP_COMPLETED }))
      .when(anyOf('$.described.Step.Status.State', ['FAILED', 'CANCELLED', 'INTERRUPTED']), stepFailed)
      .otherwise(waitForStep)));

  const runSteps = new sfn.Map(scope, 'RunSteps', {
    stateName: EmrPipelineStates.RUN_STEPS,
    itemsPath: '$.steps',
    maxConcurrency: props.maxConcurrency,
    itemSelector: {
      clusterId: sfn.JsonPath.stringAt('$.cluster.clusterId'),
      step: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
    },
    // Step descriptions are not kept: hundreds of them would outgrow the 256 KiB payload limit.
    resultPath: sfn.JsonPath.DISCARD,
  }).itemProcessor(runStep);

  const terminate = terminateTask(scope, 'TerminateCluster', EmrPipelineStates.TERMINATE_CLUSTER);
  // A failed terminate call fails the execution; the teardown state machine then terminates it.
  terminate.addCatch(failed, { resultPath: '$.error' });
  const succeeded = new sfn.Succeed(scope, 'Succeeded', { stateName: EmrPipelineStates.SUCCEEDED });

  const terminateAfterFailure = terminateTask(scope, 'TerminateClusterAfterFailure', EmrPipelineStates.TERMINATE_CLUSTER_AFTER_FAILURE);
  // Keep `$.error` (the step's error) for the Fail state; the teardown state machine retries.
  terminateAfterFailure.addCatch(failed, { resultPath: '$.terminateError' });
  const afterFailure = new sfn.Choice(scope, 'TerminateAfterFailure?', { stateName: EmrPipelineStates.TERMINATE_AFTER_FAILURE })
    .when(sfn.Condition.booleanEquals('$.cluster.terminate', true), terminateAfterFailure.next(failed))
    .otherwise(failed);
  runSteps.addCatch(afterFailure, { resultPath: '$.error' });

  // Wait until the cluster accepts steps. EMR terminates a cluster that fails to start.
  const waitForCluster = new sfn.Wait(scope, 'WaitForCluster', { stateName: EmrPipelineStates.WAIT_FOR_CLUSTER, time: sfn.WaitTime.duration(CLUSTER_POLL_INTERVAL) });
  const describeCluster = describe(scope, 'DescribeCluster', EmrPipelineStates.DESCRIBE_CLUSTER, 'describeCluster', {
    ClusterId: sfn.JsonPath.stringAt('$.cluster.clusterId'),
  });
  describeCluster.addCatch(afterFailure, { resultPath: '$.error' });
  const clusterFailed = new sfn.Pass(scope, 'ClusterFailed', {
    stateName: EmrPipelineStates.CLUSTER_FAILED,
    parameters: { Error: 'ClusterTerminated', Cause: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.described.Cluster.Status')) },
    resultPath: '$.error',
  }).next(failed);
  createCluster.next(waitForCluster).next(describeCluster).next(whenStatePresent(scope, 'ClusterStateKnown', EmrPipelineStates.CLUSTER_STATE_KNOWN,
    '$.described.Cluster.Status.State', waitForCluster,
    new sfn.Choice(scope, 'ClusterReady', { stateName: EmrPipelineStates.CLUSTER_READY })
      .when(anyOf('$.described.Cluster.Status.State', ['WAITING', 'RUNNING']), runSteps)
      .when(anyOf('$.described.Cluster.Status.State', ['TERMINATING', 'TERMINATED', 'TERMINATED_WITH_ERRORS']), clusterFailed)
      .otherwise(waitForCluster)));

  const definition = new sfn.Choice(scope, 'ValidateInput', { stateName: EmrPipelineStates.VALIDATE_INPUT })
    .when(sfn.Condition.not(sfn.Condition.isPresent('$.steps')),
      new sfn.Fail(scope, 'InvalidInput', {
        stateName: EmrPipelineStates.INVALID_INPUT,
        error: 'InvalidInput',
        cause: 'The execution input needs a "steps" list: [{ "name": ..., "jar": ..., "args": [...] }]',
      }))
    .when(sfn.Condition.isPresent('$.clusterId'), useGivenCluster)
    .otherwise(createCluster);
  useGivenCluster.next(runSteps);
  runSteps.next(
    new sfn.Choice(scope, 'TerminateWhenDone?', { stateName: EmrPipelineStates.TERMINATE_WHEN_DONE })
      .when(sfn.Condition.booleanEquals('$.cluster.terminate', true), terminate.next(succeeded))
      .otherwise(succeeded),
  );
  return definition;
}

/** Acknowledges the wildcards the pipeline state machine's role needs, with their reasons. */
export function acknowledgePipelineRole(role: iam.IRole): void {
  acknowledgeNagRule(role, 'AwsSolutions-IAM5[Resource::*]',
    'elasticmapreduce:RunJobFlow creates the cluster and has no resource to scope to; X-Ray and CloudWatch Logs delivery actions do not support resource-level permissions.');
  acknowledgeNagRule(role, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticmapreduce:<AWS::Region>:<AWS::AccountId>:cluster/*]',
    'Cluster ids are created (or given) at run time, one per execution.');
  acknowledgeNagRule(role, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/aws-service-role/elasticmapreduce.amazonaws.com*/AWSServiceRoleForEMRCleanup*]',
    'createCluster must be able to create EMR\'s cleanup service-linked role, whose path AWS defines; the statement is limited to that role and the EMR service name.');
}

/** A read-only EMR call through the AWS SDK integration (PascalCase in and out) into `$.described`. */
function describe(scope: Construct, id: string, stateName: string, action: string, parameters: Record<string, unknown>): tasks.CallAwsService {
  const task = new tasks.CallAwsService(scope, id, {
    stateName,
    service: 'emr',
    action,
    iamAction: `elasticmapreduce:${action.charAt(0).toUpperCase()}${action.slice(1)}`,
    iamResources: [Stack.of(scope).formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: '*' })],
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
function whenStatePresent(
  scope: Construct, id: string, stateName: string, path: string, otherwise: sfn.IChainable, then: sfn.IChainable,
): sfn.Choice {
  return new sfn.Choice(scope, id, { stateName })
    .when(sfn.Condition.isPresent(path), then)
    .otherwise(otherwise);
}

function terminateTask(scope: Construct, id: string, stateName: string): tasks.EmrTerminateCluster {
  // RUN_JOB: the execution ends once the cluster is really terminated.
  const task = new tasks.EmrTerminateCluster(scope, id, {
    stateName,
    clusterId: sfn.JsonPath.stringAt('$.cluster.clusterId'),
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    resultPath: sfn.JsonPath.DISCARD,
  });
  retryOnThrottling(task);
  return task;
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
