import { apiModel, expectModelled, operationShape } from '../support/judges/aws-models';
import { emr, optimizedEmrIntegration } from '../support/judges/state-machines';

/**
 * What AWS returns, for the local stand-ins of the pipeline's AWS calls. Every result is checked
 * against the service's API model shipped in the `aws-sdk` v2 package (`apis/*.min.json`, the
 * PascalCase member names Step Functions' AWS SDK integrations return), so a stand-in cannot drift
 * into the shape the code under test happens to expect.
 */
/**
 * Throws unless `value` uses only members of EMR `operation`'s output shape (an operation without
 * output returns `{}`).
 */
export function checkEmrOutput(operation: string, value: unknown): void {
  expectModelled(emr(), operationShape(emr(), operation, 'output'), value, `${operation} output`);
}

/**
 * Throws unless `value` is what the optimized EMR integration `api` returns: the EMR API's
 * output with the differences the Step Functions developer guide lists (state-machines.ts).
 */
function checkOptimizedEmrResult(api: string, value: unknown): void {
  expectModelled(emr(), optimizedEmrIntegration(api)!.result, value, `${api} result`);
}

/**
 * Throws unless `value` uses only members of the EC2 `operation`'s request (`input`) or result
 * (`output`) shape: for the stand-ins of the AWS SDK v3 EC2 client, whose member names are the
 * model's PascalCase ones.
 */
export function checkEc2Shape(operation: string, direction: 'input' | 'output', value: unknown): void {
  const ec2 = apiModel('ec2-2016-11-15');
  expectModelled(ec2, operationShape(ec2, operation, direction), value, `${operation} ${direction}`);
}

/** An error as Step Functions reports it in a task state (`Error` name, `Cause` text). */
export function taskError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

export const ACCOUNT = '123456789012';
export const STATE_MACHINE_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:Pipeline`;
export const executionArn = (name: string) => `arn:aws:states:us-east-1:${ACCOUNT}:execution:Pipeline:${name}`;

/**
 * The EventBridge "Step Functions Execution Status Change" event, as the EventBridge and Step
 * Functions docs show it (input and output are JSON text, dates epoch milliseconds).
 */
export function statusChangeEvent(name: string, status: string, input: unknown) {
  return {
    'version': '0',
    'id': '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    'source': 'aws.states',
    'account': ACCOUNT,
    'time': '2026-11-30T02:10:00Z',
    'region': 'us-east-1',
    'resources': [executionArn(name)],
    'detail': {
      executionArn: executionArn(name),
      stateMachineArn: STATE_MACHINE_ARN,
      name,
      status,
      startDate: 1796004000000,
      stopDate: 1796004600000,
      input: JSON.stringify(input),
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
    },
  };
}

type ClusterState = 'STARTING' | 'BOOTSTRAPPING' | 'RUNNING' | 'WAITING' | 'TERMINATING' | 'TERMINATED' | 'TERMINATED_WITH_ERRORS';
type StepState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED' | 'INTERRUPTED';

interface FakeCluster { id: string; name: string; state: ClusterState; looks: number }
interface FakeStep { id: string; clusterId: string; name: string; args: string[]; state: StepState; looks: number; fail: boolean }

export interface FakeEmrOptions {
  /** DescribeCluster calls a starting cluster needs before it is WAITING. */
  readonly bootLooks?: number;
  /** DescribeStep calls before a step finishes (Infinity: it never does). */
  readonly stepLooks?: number;
  /** Names of steps that end FAILED. */
  readonly failSteps?: string[];
  /** ListClusters page size (EMR's is 50). */
  readonly pageSize?: number;
}

/**
 * A small EMR: clusters and steps with their life cycles, answering the requests of the
 * pipeline's and the teardown's tasks with results in the documented shapes.
 */
export class FakeEmr {
  public readonly clusters: FakeCluster[] = [];
  public readonly steps: FakeStep[] = [];
  public readonly terminated: string[] = [];
  public readonly listRequests: any[] = [];

  constructor(private readonly options: FakeEmrOptions = {}) {}

  /** An existing cluster, not made by the pipeline. */
  public addCluster(id: string, name: string, state: ClusterState = 'WAITING'): void {
    this.clusters.push({ id, name, state, looks: 0 });
  }

  /** The optimized createCluster: RunJobFlow's output, with `ClusterId` for `JobFlowId` (Step Functions docs). */
  public createCluster(request: any) {
    const id = `j-${String(this.clusters.length + 1).padStart(13, '0')}`;
    this.clusters.push({ id, name: request.Name, state: 'STARTING', looks: 0 });
    const result = { ClusterId: id, ClusterArn: `arn:aws:elasticmapreduce:us-east-1:${ACCOUNT}:cluster/${id}` };
    checkOptimizedEmrResult('createCluster', result);
    return result;
  }

  public describeCluster(request: any) {
    const cluster = this.cluster(request.ClusterId);
    cluster.looks += 1;
    if (cluster.state === 'STARTING' && cluster.looks >= (this.options.bootLooks ?? 2)) cluster.state = 'WAITING';
    const result = {
      Cluster: {
        Id: cluster.id,
        Name: cluster.name,
        ClusterArn: `arn:aws:elasticmapreduce:us-east-1:${ACCOUNT}:cluster/${cluster.id}`,
        Status: { State: cluster.state, StateChangeReason: {}, Timeline: { CreationDateTime: 1796004010 } },
        StepConcurrencyLevel: 4,
        Tags: [{ Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' }],
      },
    };
    checkEmrOutput('DescribeCluster', result);
    return result;
  }

  /** Makes a starting cluster fail on its own (bootstrap failure): EMR terminates it. */
  public failToStart(id: string): void {
    this.cluster(id).state = 'TERMINATED_WITH_ERRORS';
  }

  /** The optimized addStep: AddJobFlowSteps' output for one step, `StepId` for `StepIds` (Step Functions docs). */
  public addStep(request: any) {
    const id = `s-${String(this.steps.length + 1).padStart(13, '0')}`;
    this.steps.push({
      id,
      clusterId: request.ClusterId,
      name: request.Step.Name,
      args: request.Step.HadoopJarStep.Args,
      state: 'PENDING',
      looks: 0,
      fail: (this.options.failSteps ?? []).includes(request.Step.Name),
    });
    const result = { StepId: id };
    checkOptimizedEmrResult('addStep', result);
    return result;
  }

  public describeStep(request: any) {
    const step = this.steps.find((s) => s.id === request.StepId && s.clusterId === request.ClusterId);
    if (!step) throw taskError('Emr.InvalidRequestException', `Step ${request.StepId} not found`);
    step.looks += 1;
    if (step.state === 'PENDING') step.state = 'RUNNING';
    else if (step.state === 'RUNNING' && step.looks >= (this.options.stepLooks ?? 3)) step.state = step.fail ? 'FAILED' : 'COMPLETED';
    const status: any = { State: step.state, StateChangeReason: {}, Timeline: { CreationDateTime: 1796004100 } };
    if (step.state === 'FAILED') {
      status.FailureDetails = { Reason: 'Unknown Error.', Message: 'Exception in thread main: java.lang.RuntimeException', LogFile: `s3://logs/emr-logs/${step.clusterId}/steps/${step.id}/stderr.gz` };
    }
    const result = {
      Step: { Id: step.id, Name: step.name, ActionOnFailure: 'CONTINUE', Config: { Jar: 'command-runner.jar', Args: step.args, Properties: {} }, Status: status },
    };
    checkEmrOutput('DescribeStep', result);
    return result;
  }

  public listClusters(request: any) {
    this.listRequests.push(request);
    const active = this.clusters.filter((c) => (request.ClusterStates as string[]).includes(c.state));
    const start = request.Marker ? Number(request.Marker) : 0;
    const size = this.options.pageSize ?? 50;
    const page = active.slice(start, start + size);
    const result: any = {
      Clusters: page.map((c) => ({
        Id: c.id,
        Name: c.name,
        Status: { State: c.state, StateChangeReason: {}, Timeline: { CreationDateTime: 1796004010 } },
        NormalizedInstanceHours: 0,
        ClusterArn: `arn:aws:elasticmapreduce:us-east-1:${ACCOUNT}:cluster/${c.id}`,
      })),
    };
    if (start + size < active.length) result.Marker = String(start + size);
    checkEmrOutput('ListClusters', result);
    return result;
  }

  /** The optimized terminateCluster: TerminateJobFlows' (empty) output. */
  public terminateCluster(request: any) {
    const cluster = this.cluster(request.ClusterId);
    this.terminated.push(cluster.id);
    cluster.state = 'TERMINATED';
    for (const step of this.steps.filter((s) => s.clusterId === cluster.id && ['PENDING', 'RUNNING'].includes(s.state))) step.state = 'CANCELLED';
    const result = {};
    checkOptimizedEmrResult('terminateCluster', result);
    return result;
  }

  private cluster(id: string): FakeCluster {
    const cluster = this.clusters.find((c) => c.id === id);
    if (!cluster) throw taskError('EMR.AmazonElasticMapReduceException', `Cluster id '${id}' is not valid.`);
    return cluster;
  }
}
