import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { retryOnThrottling } from './retry';
import { acknowledgeNagRule } from '../../common/nag';
import { createDeadLetterQueue } from '../../common/secure-queue';

/**
 * The execution statuses after which a cluster may still be running. FAILED is included although
 * the pipeline's Catch paths terminate the cluster: an uncatchable `States.Runtime` error (a step
 * without `name`, say) or a failed terminate call also ends in FAILED, and terminating a cluster
 * twice is harmless.
 */
export const TEARDOWN_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'];

/** Events read from the start of a stopped execution's history (see {@link Teardown}). */
export const HISTORY_PAGE_SIZE = 30;

/** Names of the teardown state machine's states (stable: tests and runbooks refer to them). */
export const TeardownStates = {
  READ_HISTORY: 'Read execution history',
  TERMINATE_CREATED: 'Terminate created clusters',
  CLUSTER_CREATION: 'Cluster creation?',
  PARSE_SUBMISSION: 'Parse task submission',
  CLUSTER_ID_RETURNED: 'Cluster id returned?',
  FROM_JOB_FLOW_ID: 'Cluster id from JobFlowId',
  TERMINATE_CREATED_CLUSTER: 'Terminate created cluster',
  NOT_A_CLUSTER: 'Not a cluster',
  READ_INPUT: 'Read execution input',
  GIVEN_A_CLUSTER: 'Given a cluster?',
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
 * Guaranteed teardown for executions that stop without reaching their own terminate state.
 *
 * Step Functions does not terminate an EMR cluster when an execution is stopped or times out, and
 * no Catch runs then. An EventBridge rule on this pipeline's "Execution Status Change" events
 * starts a small state machine that reads the stopped execution's history and terminates every
 * cluster it created: the `TaskSubmitted` event of `createCluster.sync` carries the response
 * to the create request (the cluster id), and it is recorded as soon as EMR accepts the request,
 * so even a cluster that was still starting is found. Only clusters the execution created are terminated,
 * unless `terminateGivenCluster` is set.
 *
 * The history is read oldest-first, one page of `HISTORY_PAGE_SIZE` events: cluster creation
 * is the first task, and even after six throttled attempts its submission is within the first
 * 25 events. The page is small because a task result is limited to 256 KiB before any selector
 * runs, and four of those events carry the whole execution input: inputs up to about 50 KiB are
 * safe. A larger input makes the teardown fail, which raises its alarm; the clusters' idle
 * auto-termination remains the backstop.
 *
 * No Lambda function: the whole job is two AWS API calls and JSONPath, which the tests execute.
 */
export class Teardown extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: TeardownProps) {
    super(scope, id);

    const readHistory = new tasks.CallAwsService(this, 'ReadHistory', {
      stateName: TeardownStates.READ_HISTORY,
      service: 'sfn',
      action: 'getExecutionHistory',
      iamAction: 'states:GetExecutionHistory',
      iamResources: [Stack.of(this).formatArn({
        service: 'states',
        resource: 'execution',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        resourceName: `${props.pipeline.stateMachineName}:*`,
      })],
      parameters: {
        ExecutionArn: sfn.JsonPath.stringAt('$.detail.executionArn'),
        MaxResults: HISTORY_PAGE_SIZE,
        ReverseOrder: false,
        IncludeExecutionData: true,
      },
      resultSelector: { events: sfn.JsonPath.listAt('$.events') },
      resultPath: '$.history',
    });
    retryOnThrottling(readHistory);

    // Every event is looked at (a JSONPath filter that matches nothing is an error, not an empty
    // list), and only createCluster submissions count: addStep's would name a given cluster. The
    // id is taken as `ClusterId` (the optimized integration's name) or `JobFlowId` (RunJobFlow's).
    const notACluster = new sfn.Succeed(this, 'NotACluster', { stateName: TeardownStates.NOT_A_CLUSTER });
    const parseSubmission = new sfn.Pass(this, 'ParseSubmission', {
      stateName: TeardownStates.PARSE_SUBMISSION,
      parameters: { response: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.taskSubmittedEventDetails.output')) },
    });
    const terminateCreated = this.terminate('TerminateCreatedCluster', TeardownStates.TERMINATE_CREATED_CLUSTER, '$.response.ClusterId');
    const fromJobFlowId = new sfn.Pass(this, 'FromJobFlowId', {
      stateName: TeardownStates.FROM_JOB_FLOW_ID,
      parameters: { response: { ClusterId: sfn.JsonPath.stringAt('$.response.JobFlowId') } },
    }).next(terminateCreated);
    const createdClusters = new sfn.Map(this, 'TerminateCreatedClusters', {
      stateName: TeardownStates.TERMINATE_CREATED,
      itemsPath: '$.history.events',
      maxConcurrency: 5,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(
      new sfn.Choice(this, 'ClusterCreation', { stateName: TeardownStates.CLUSTER_CREATION })
        .when(sfn.Condition.and(
          sfn.Condition.stringEquals('$.type', 'TaskSubmitted'),
          sfn.Condition.stringEquals('$.taskSubmittedEventDetails.resourceType', 'elasticmapreduce'),
          sfn.Condition.stringMatches('$.taskSubmittedEventDetails.resource', 'createCluster*'),
          sfn.Condition.isPresent('$.taskSubmittedEventDetails.output'),
        ), parseSubmission.next(
          new sfn.Choice(this, 'ClusterIdReturned', { stateName: TeardownStates.CLUSTER_ID_RETURNED })
            .when(sfn.Condition.isPresent('$.response.ClusterId'), terminateCreated)
            .when(sfn.Condition.isPresent('$.response.JobFlowId'), fromJobFlowId)
            .otherwise(notACluster),
        ))
        .otherwise(notACluster),
    );

    const done = new sfn.Succeed(this, 'Done', { stateName: TeardownStates.DONE });
    const terminateCreatedThen = sfn.Chain.start(readHistory).next(createdClusters);
    let definition: sfn.IChainable;
    if (props.terminateGivenCluster) {
      const readInput = new sfn.Pass(this, 'ReadInput', {
        stateName: TeardownStates.READ_INPUT,
        parameters: { executionInput: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.detail.input')) },
      });
      const terminateGiven = this.terminate('TerminateGivenCluster', TeardownStates.TERMINATE_GIVEN_CLUSTER, '$.executionInput.clusterId');
      definition = terminateCreatedThen.next(readInput).next(
        new sfn.Choice(this, 'GivenACluster', { stateName: TeardownStates.GIVEN_A_CLUSTER })
          .when(sfn.Condition.isPresent('$.executionInput.clusterId'), terminateGiven.next(done))
          .otherwise(done),
      );
    } else {
      definition = terminateCreatedThen.next(done);
    }

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Terminates the EMR clusters of a pipeline execution that failed, timed out or was aborted',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.minutes(15),
      tracingEnabled: true,
      logs: { destination: props.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    acknowledgeNagRule(this.stateMachine.role, 'AwsSolutions-IAM5[Resource::*]',
      'X-Ray and CloudWatch Logs delivery actions do not support resource-level permissions.');
    acknowledgeNagRule(this.stateMachine.role, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticmapreduce:<AWS::Region>:<AWS::AccountId>:cluster/*]',
      'The clusters to terminate are known only from the execution history at run time.');
    acknowledgeNagRule(this.stateMachine.role, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${Stack.of(this).getLogicalId(props.pipeline.node.defaultChild as sfn.CfnStateMachine)}.Name>:*]`,
      'Scoped to the executions of this pipeline\'s state machine; their names are chosen at start time.');

    // Retried by EventBridge for a day; whatever still cannot be delivered is kept and alarmed on.
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue');
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Starts the EMR teardown when a pipeline execution ends without terminating its cluster',
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

