import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { retryOnThrottling, retryReadOnly } from './retry';
import { acknowledgeNagRule } from '../../common/nag';
import { createDeadLetterQueue } from '../../common/secure-queue';
import { createLoggedStateMachine } from '../../common/state-machine';

/**
 * Every terminal execution status. The teardown runs after each one: FAILED, TIMED_OUT and ABORTED
 * because no Catch runs (or a terminate call failed), SUCCEEDED because a cluster submission that
 * failed with an ambiguous error (after EMR had created the cluster) and was retried leaves a
 * second cluster the execution never knew. After a normal success the list holds no cluster of the
 * execution and nothing is terminated.
 */
export const TEARDOWN_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** Cluster states in which a cluster still runs (and bills); TERMINATING ones are already ending. */
export const ACTIVE_CLUSTER_STATES = ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'];

/**
 * How long the teardown waits before listing clusters: an execution aborted while its RunJobFlow
 * request is in flight gets its cluster a moment later.
 */
export const SETTLE_TIME = Duration.seconds(30);

/** Names of the teardown state machine's states (stable: tests and runbooks refer to them). */
export const TeardownStates = {
  SETTLE: 'Wait for in-flight requests',
  LIST_CLUSTERS: 'List active clusters',
  LIST_MORE_CLUSTERS: 'List more active clusters',
  CLUSTERS_LISTED: 'Clusters listed?',
  TERMINATE_CLUSTERS: 'Terminate clusters of the execution',
  NAMED_CLUSTER: 'Cluster with name and id?',
  CLUSTER_OF_EXECUTION: 'Cluster of this execution?',
  TERMINATE_CLUSTER: 'Terminate cluster of the execution',
  OTHER_CLUSTER: 'Other cluster',
  MORE_CLUSTERS: 'More clusters?',
  INPUT_IN_EVENT: 'Input in the event?',
  INPUT_IS_TEXT: 'Input is text?',
  READ_INPUT: 'Read execution input',
  GIVEN_A_CLUSTER: 'Given a cluster?',
  GIVEN_CLUSTER_IS_TEXT: 'Given cluster id is text?',
  TERMINATE_GIVEN_CLUSTER: 'Terminate given cluster',
  DONE: 'Done',
};

export interface TeardownProps {
  readonly pipeline: sfn.StateMachine;
  /** Also terminate the cluster id the execution was given. */
  readonly terminateGivenCluster: boolean;
  readonly logGroup: logs.ILogGroup;
}

/**
 * Guaranteed teardown for executions that end without terminating their cluster.
 *
 * Step Functions does not terminate an EMR cluster when an execution is stopped or times out, and
 * no Catch runs then. The pipeline names every cluster it creates after the execution's ARN
 * (unique in the account and region). An EventBridge rule on the pipeline's "Execution Status
 * Change" events starts this state machine, which pages through the account's active clusters
 * (`ListClusters`, following `Marker`) and terminates those named after the ended execution. It
 * reads neither the execution history nor its input (except for `terminateGivenCluster`), so the
 * execution's size and length do not matter.
 *
 * Every Choice reads only paths that an earlier `IsPresent` rule in a separate state proved to
 * exist: AWS documents no short-circuit for `And`, and a missing path fails the execution.
 *
 * No Lambda function: the whole job is two AWS API calls and JSONPath, which the tests execute.
 */
export class Teardown extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: TeardownProps) {
    super(scope, id);

    const done = new sfn.Succeed(this, 'Done', { stateName: TeardownStates.DONE });
    let afterClusters: sfn.IChainable = done;
    if (props.terminateGivenCluster) {
      // EventBridge carries the input as a string (AWS documents `inputDetails.included` for when it does not).
      const terminateGiven = this.terminate('TerminateGivenCluster', TeardownStates.TERMINATE_GIVEN_CLUSTER, '$.executionInput.clusterId').next(done);
      const readInput = new sfn.Pass(this, 'ReadInput', {
        stateName: TeardownStates.READ_INPUT,
        parameters: { executionInput: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.detail.input')) },
      }).next(this.ifString('GivenACluster', TeardownStates.GIVEN_A_CLUSTER, TeardownStates.GIVEN_CLUSTER_IS_TEXT,
        '$.executionInput.clusterId', terminateGiven, done));
      afterClusters = this.ifString('InputInEvent', TeardownStates.INPUT_IN_EVENT, TeardownStates.INPUT_IS_TEXT,
        '$.detail.input', readInput, done);
    }

    const listMore = this.listClusters('ListMoreClusters', TeardownStates.LIST_MORE_CLUSTERS, { Marker: sfn.JsonPath.stringAt('$.page.Marker') });
    // ListClusters returns at most 50 clusters a page and a Marker while there are more.
    const moreClusters = new sfn.Choice(this, 'MoreClusters', { stateName: TeardownStates.MORE_CLUSTERS })
      .when(sfn.Condition.isPresent('$.page.Marker'), listMore)
      .otherwise(afterClusters);

    const terminateClusters = new sfn.Map(this, 'TerminateClusters', {
      stateName: TeardownStates.TERMINATE_CLUSTERS,
      itemsPath: '$.page.Clusters',
      itemSelector: {
        cluster: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
        executionArn: sfn.JsonPath.stringAt('$.detail.executionArn'),
      },
      maxConcurrency: 5,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(
      new sfn.Choice(this, 'NamedCluster', { stateName: TeardownStates.NAMED_CLUSTER })
        // Only IsPresent rules here: they never fail, whatever the order AWS evaluates them in.
        .when(sfn.Condition.and(sfn.Condition.isPresent('$.cluster.Name'), sfn.Condition.isPresent('$.cluster.Id')),
          new sfn.Choice(this, 'ClusterOfExecution', { stateName: TeardownStates.CLUSTER_OF_EXECUTION })
            .when(sfn.Condition.stringEqualsJsonPath('$.cluster.Name', '$.executionArn'),
              this.terminate('TerminateCluster', TeardownStates.TERMINATE_CLUSTER, '$.cluster.Id'))
            .otherwise(new sfn.Succeed(this, 'OtherCluster', { stateName: TeardownStates.OTHER_CLUSTER })))
        .otherwise(new sfn.Succeed(this, 'UnnamedCluster', { stateName: `${TeardownStates.OTHER_CLUSTER} (no name)` })),
    );
    terminateClusters.next(moreClusters);

    const clustersListed = new sfn.Choice(this, 'ClustersListed', { stateName: TeardownStates.CLUSTERS_LISTED })
      .when(sfn.Condition.isPresent('$.page.Clusters'), terminateClusters)
      .otherwise(moreClusters);
    listMore.next(clustersListed);

    const definition = sfn.Chain
      .start(new sfn.Wait(this, 'Settle', { stateName: TeardownStates.SETTLE, time: sfn.WaitTime.duration(SETTLE_TIME) }))
      .next(this.listClusters('ListClusters', TeardownStates.LIST_CLUSTERS, {}))
      .next(clustersListed);

    this.stateMachine = createLoggedStateMachine(this, 'StateMachine', {
      comment: 'Terminates the EMR clusters a pipeline execution left running',
      definition,
      timeout: Duration.minutes(15),
      logGroup: props.logGroup,
    });
    acknowledgeNagRule(this.stateMachine.role, 'AwsSolutions-IAM5[Resource::*]',
      'elasticmapreduce:ListClusters, X-Ray and CloudWatch Logs delivery actions do not support resource-level permissions.');
    acknowledgeNagRule(this.stateMachine.role, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticmapreduce:<AWS::Region>:<AWS::AccountId>:cluster/*]',
      'The clusters to terminate are known only from their names at run time.');

    // Retried by EventBridge for a day; whatever still cannot be delivered is kept and alarmed on.
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue');
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Starts the EMR teardown when a pipeline execution ends',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [props.pipeline.stateMachineArn],
          status: TEARDOWN_STATUSES,
        },
      },
      targets: [new targets.SfnStateMachine(this.stateMachine, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      })],
    });
  }

  /** ListClusters through the AWS SDK integration (PascalCase in and out), one page into `$.page`. */
  private listClusters(id: string, stateName: string, extra: Record<string, unknown>): tasks.CallAwsService {
    const task = new tasks.CallAwsService(this, id, {
      stateName,
      service: 'emr',
      action: 'listClusters',
      iamAction: 'elasticmapreduce:ListClusters',
      iamResources: ['*'],
      parameters: { ClusterStates: ACTIVE_CLUSTER_STATES, ...extra },
      resultPath: '$.page',
    });
    retryReadOnly(task);
    return task;
  }

  /** Two Choice states: `path` exists, then it is a string; only then `then`. */
  private ifString(id: string, presentName: string, stringName: string, path: string, then: sfn.IChainable, otherwise: sfn.IChainable): sfn.Choice {
    return new sfn.Choice(this, id, { stateName: presentName })
      .when(sfn.Condition.isPresent(path), new sfn.Choice(this, `${id}IsString`, { stateName: stringName })
        .when(sfn.Condition.isString(path), then)
        .otherwise(otherwise))
      .otherwise(otherwise);
  }

  private terminate(id: string, stateName: string, clusterIdPath: string): tasks.EmrTerminateCluster {
    // REQUEST_RESPONSE: once EMR accepts the request the cluster terminates; nothing to wait for.
    const task = new tasks.EmrTerminateCluster(this, id, {
      stateName,
      clusterId: sfn.JsonPath.stringAt(clusterIdPath),
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      resultPath: sfn.JsonPath.DISCARD,
    });
    retryOnThrottling(task);
    return task;
  }
}
