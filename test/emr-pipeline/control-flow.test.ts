import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { stateMachineDefinition } from './asl';
import { FakeEmr, FakeEmrOptions, checkEmrOutput, executionArn, statusChangeEvent, taskError } from './aws-shapes';
import { LocalStateMachine } from './local-sfn';
import { EmrPipeline, EmrPipelineProps, EmrPipelineStates as S } from '../../src';
import { TeardownStates as T } from '../../src/emr-pipeline/private/teardown';

/**
 * The pipeline's control flow, proven by executing the synthesized Amazon States Language with
 * aws-local-stepfunctions. The AWS tasks are answered by a small fake EMR (`aws-shapes.ts`) whose
 * every result is checked against the EMR API model; everything else (Choice, Map, Retry, Catch, Fail with
 * ErrorPath/CausePath, JSONPath and intrinsic functions) is the emulator running our definition.
 */


function definitions(props: Partial<EmrPipelineProps> = {}) {
  const stack = new Stack(new App(), 'Stack');
  new EmrPipeline(stack, 'Pipeline', { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 1 }), ...props });
  const template = Template.fromStack(stack);
  return {
    pipeline: stateMachineDefinition(template, /^PipelineStateMachine/),
    teardown: stateMachineDefinition(template, /^PipelineTeardownStateMachine/),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const EXECUTION = 'nightly-2026-11-30';

interface RunOptions extends FakeEmrOptions {
  readonly emr?: FakeEmr;
  /** Runs before each request a task sends (throw to make the task fail). */
  readonly before?: Partial<Record<string, (request: any, call: number) => void>>;
  readonly stepDelayMs?: number;
  /** Called with the current number of steps running, each time a step is submitted. */
  readonly onStepStart?: (running: number) => void;
  /** Aborts the execution when this returns true (checked before each request). */
  readonly abortWhen?: (state: string, request: any) => boolean;
}

/** Runs the pipeline definition against a fake EMR; resolves to the outcome and the EMR. */
async function runPipeline(definition: any, input: any, options: RunOptions = {}) {
  const emr = options.emr ?? new FakeEmr(options);
  const calls: Record<string, number> = {};
  let running = 0;
  let abort = () => {};
  let aborted = false;
  const handler = (state: string, answer: (request: any) => unknown) => async (request: any) => {
    calls[state] = (calls[state] ?? 0) + 1;
    if (options.abortWhen?.(state, request)) {
      aborted = true;
      abort();
      await sleep(5);
    }
    options.before?.[state]?.(request, calls[state]);
    return answer(request) as any;
  };
  const execution = new LocalStateMachine(definition).run(input, {
    context: { Execution: { Id: executionArn(EXECUTION), Name: EXECUTION, Input: input as any } },
    overrides: {
      taskResourceLocalHandlers: {
        [S.CREATE_CLUSTER]: handler(S.CREATE_CLUSTER, (r) => emr.createCluster(r)),
        [S.DESCRIBE_CLUSTER]: handler(S.DESCRIBE_CLUSTER, (r) => emr.describeCluster(r)),
        [S.RUN_STEP]: handler(S.RUN_STEP, (r) => {
          running = emr.steps.filter((s) => ['PENDING', 'RUNNING'].includes(s.state)).length + 1;
          options.onStepStart?.(running);
          return emr.addStep(r);
        }),
        [S.DESCRIBE_STEP]: handler(S.DESCRIBE_STEP, async (r) => {
          await sleep(options.stepDelayMs ?? 1);
          return emr.describeStep(r);
        }),
        [S.TERMINATE_CLUSTER]: handler(S.TERMINATE_CLUSTER, (r) => emr.terminateCluster(r)),
        [S.TERMINATE_CLUSTER_AFTER_FAILURE]: handler(S.TERMINATE_CLUSTER_AFTER_FAILURE, (r) => emr.terminateCluster(r)),
      },
      waitTimeOverrides: { [S.WAIT_FOR_CLUSTER]: 0, [S.WAIT_FOR_STEP]: 0 },
      retryIntervalOverrides: Object.fromEntries([S.CREATE_CLUSTER, S.DESCRIBE_CLUSTER, S.RUN_STEP, S.DESCRIBE_STEP,
        S.TERMINATE_CLUSTER, S.TERMINATE_CLUSTER_AFTER_FAILURE].map((state) => [state, 0])),
    },
  });
  abort = execution.abort;
  try {
    return { output: await execution.result, emr, calls, aborted };
  } catch (error: any) {
    const status = aborted ? 'ABORTED' : error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
    return { error: { name: error.cause?.name, cause: error.cause?.message }, status, emr, calls, aborted };
  }
}

/** Runs the teardown for the execution's status-change event against the same fake EMR. */
async function runTeardown(definition: any, emr: FakeEmr, status: string, input: unknown) {
  return new LocalStateMachine(definition).run(statusChangeEvent(EXECUTION, status, input), {
    overrides: {
      taskResourceLocalHandlers: {
        [T.LIST_CLUSTERS]: async (request: any) => emr.listClusters(request),
        [T.LIST_MORE_CLUSTERS]: async (request: any) => emr.listClusters(request),
        [T.TERMINATE_CLUSTER]: async (request: any) => emr.terminateCluster(request) as any,
        [T.TERMINATE_GIVEN_CLUSTER]: async (request: any) => emr.terminateCluster(request) as any,
      },
      waitTimeOverrides: { [T.SETTLE]: 0 },
    },
  }).result;
}

const steps = (...names: string[]) => names.map((name) => ({ name, jar: 'command-runner.jar', args: ['spark-submit', `s3://jobs/${name}.py`] }));
const created = (emr: FakeEmr) => emr.clusters.filter((c) => c.name === executionArn(EXECUTION));

describe('EmrPipeline state machine, executed', () => {
  const { pipeline, teardown } = definitions();

  test('all steps succeed: a cluster named after the execution is created, every step runs on it, then it is terminated', async () => {
    const requests: any[] = [];
    const { output, error, emr } = await runPipeline(pipeline, { steps: steps('extract', 'transform', 'load') }, {
      before: { [S.CREATE_CLUSTER]: (request) => requests.push(request) },
    });

    expect(error).toBeUndefined();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ Name: executionArn(EXECUTION), StepConcurrencyLevel: 4, AutoTerminationPolicy: { IdleTimeout: 3600 } });
    expect(emr.steps.map((s) => [s.clusterId, s.name, s.state])).toEqual([
      [emr.clusters[0].id, 'extract', 'COMPLETED'], [emr.clusters[0].id, 'transform', 'COMPLETED'], [emr.clusters[0].id, 'load', 'COMPLETED'],
    ]);
    expect(emr.steps[1].args).toEqual(['spark-submit', 's3://jobs/transform.py']);
    expect(emr.terminated).toEqual([emr.clusters[0].id]);
    expect(output).toMatchObject({ cluster: { clusterId: emr.clusters[0].id, terminate: true } });
  });

  test('one step fails: the cluster is still terminated and the execution fails with StepFailed and EMR\'s failure details', async () => {
    const { output, error, emr } = await runPipeline(pipeline, { steps: steps('extract', 'transform', 'load') }, { failSteps: ['transform'] });

    expect(output).toBeUndefined();
    expect(error?.name).toBe('StepFailed');
    expect(JSON.parse(error!.cause)).toMatchObject({ State: 'FAILED', FailureDetails: { Reason: 'Unknown Error.' } });
    expect(emr.terminated).toEqual([emr.clusters[0].id]);
  });

  test('a throttled step submission is retried: the step is added once and the execution succeeds', async () => {
    const { error, emr } = await runPipeline(pipeline, { steps: steps('extract') }, {
      before: {
        [S.RUN_STEP]: (_request, call) => {
          if (call === 1) throw taskError('EMR.AmazonElasticMapReduceException', 'Rate exceeded (Service: AmazonElasticMapReduce; Status Code: 400; Error Code: ThrottlingException)');
        },
      },
    });

    expect(error).toBeUndefined();
    expect(emr.steps.map((s) => s.name)).toEqual(['extract']);
    expect(emr.terminated).toEqual([emr.clusters[0].id]);
  });

  test('a throttle after a successful submission (while waiting) repeats only the read: one cluster, one step, the cluster terminated', async () => {
    const throttle = (_request: any, call: number) => {
      // (error name of the AWS SDK integration: service prefix and exception class, as the Step Functions docs describe)
      if (call === 1) throw taskError('Emr.EmrException', 'Rate exceeded (Service: Emr, Status Code: 400, Error Code: ThrottlingException)');
    };
    const { error, emr } = await runPipeline(pipeline, { steps: steps('extract') }, {
      before: { [S.DESCRIBE_CLUSTER]: throttle, [S.DESCRIBE_STEP]: throttle },
    });

    expect(error).toBeUndefined();
    expect(emr.clusters).toHaveLength(1);
    expect(emr.steps).toHaveLength(1);
    expect(emr.terminated).toEqual([emr.clusters[0].id]);
  });

  test('the cluster fails to start: no step runs, the execution fails with ClusterTerminated', async () => {
    const emr = new FakeEmr();
    const { error } = await runPipeline(pipeline, { steps: steps('extract') }, {
      emr,
      before: { [S.DESCRIBE_CLUSTER]: (request) => emr.failToStart(request.ClusterId) },
    });

    expect(error?.name).toBe('ClusterTerminated');
    expect(JSON.parse(error!.cause)).toMatchObject({ State: 'TERMINATED_WITH_ERRORS' });
    expect(emr.steps).toEqual([]);
  });

  test('cluster creation is refused: no step runs, the execution fails with the creation error', async () => {
    const { error, emr } = await runPipeline(pipeline, { steps: steps('extract') }, {
      before: { [S.CREATE_CLUSTER]: () => { throw taskError('States.TaskFailed', 'The requested instance type m5.xlarge is not supported in the requested availability zone.'); } },
    });

    expect(error?.name).toBe('States.TaskFailed');
    expect(emr.clusters).toEqual([]);
    expect(emr.steps).toEqual([]);
  });

  test('terminating fails after the steps succeeded: the execution fails (so the teardown state machine runs)', async () => {
    const { error } = await runPipeline(pipeline, { steps: steps('extract') }, {
      before: { [S.TERMINATE_CLUSTER]: () => { throw taskError('EMR.AmazonElasticMapReduceException', 'Access denied'); } },
    });

    expect(error?.name).toBe('EMR.AmazonElasticMapReduceException');
  });

  test('terminating fails after a step failed: the execution still reports the step\'s error', async () => {
    const { error } = await runPipeline(pipeline, { steps: steps('extract') }, {
      failSteps: ['extract'],
      before: { [S.TERMINATE_CLUSTER_AFTER_FAILURE]: () => { throw taskError('EMR.AmazonElasticMapReduceException', 'Access denied'); } },
    });

    expect(error?.name).toBe('StepFailed');
  });

  test('an input without steps fails before any cluster is created', async () => {
    const { error, emr } = await runPipeline(pipeline, { jobs: [] });

    expect(error?.name).toBe('InvalidInput');
    expect(emr.clusters).toEqual([]);
  });

  test('an existing cluster id is used without creating a cluster, and that cluster is left running', async () => {
    const emr = new FakeEmr();
    emr.addCluster('j-GIVEN', 'shared');
    const { error } = await runPipeline(pipeline, { clusterId: 'j-GIVEN', steps: steps('extract', 'load') }, { emr });

    expect(error).toBeUndefined();
    expect(emr.clusters).toHaveLength(1);
    expect(emr.steps.map((s) => s.clusterId)).toEqual(['j-GIVEN', 'j-GIVEN']);
    expect(emr.terminated).toEqual([]);
  });

  test('a step failing on an existing cluster fails the execution, and neither the pipeline nor the teardown terminates the cluster', async () => {
    const emr = new FakeEmr({ failSteps: ['extract'] });
    emr.addCluster('j-GIVEN', 'shared');
    const input = { clusterId: 'j-GIVEN', steps: steps('extract') };
    const { error, status } = await runPipeline(pipeline, input, { emr });
    await runTeardown(teardown, emr, status!, input);

    expect(error?.name).toBe('StepFailed');
    expect(emr.terminated).toEqual([]);
    expect(emr.clusters[0].state).toBe('WAITING');
  });

  test('terminateGivenCluster: the given cluster is terminated after success and after failure', async () => {
    const { pipeline: terminating } = definitions({ terminateGivenCluster: true });
    const emr = new FakeEmr({ failSteps: ['bad'] });
    emr.addCluster('j-GIVEN1', 'shared');
    emr.addCluster('j-GIVEN2', 'shared');

    const succeeded = await runPipeline(terminating, { clusterId: 'j-GIVEN1', steps: steps('extract') }, { emr });
    const failed = await runPipeline(terminating, { clusterId: 'j-GIVEN2', steps: steps('bad') }, { emr });

    expect(succeeded.error).toBeUndefined();
    expect(failed.error?.name).toBe('StepFailed');
    expect(emr.clusters).toHaveLength(2);
    expect(emr.terminated).toEqual(['j-GIVEN1', 'j-GIVEN2']);
  });

  describe('the Map never runs more than maxConcurrency steps at once', () => {
    test.each([1, 3])('maxConcurrency %d, 9 steps', async (maxConcurrency) => {
      const { pipeline: bounded } = definitions({ maxConcurrency });
      let peak = 0;
      const { error, emr } = await runPipeline(bounded, { steps: steps('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i') }, {
        stepDelayMs: 10,
        onStepStart: (running) => { peak = Math.max(peak, running); },
      });

      expect(error).toBeUndefined();
      expect(emr.steps).toHaveLength(9);
      // Reaches the limit (the steps do overlap) and never exceeds it.
      expect(peak).toBe(maxConcurrency);
    });

    test('maxConcurrency 0 runs every step at once', async () => {
      const { pipeline: unbounded } = definitions({ maxConcurrency: 0 });
      let peak = 0;
      await runPipeline(unbounded, { steps: steps('a', 'b', 'c', 'd', 'e', 'f') }, {
        stepDelayMs: 10,
        onStepStart: (running) => { peak = Math.max(peak, running); },
      });

      expect(peak).toBe(6);
    });
  });

  describe('teardown state machine, after the pipeline ran', () => {
    test('aborted while the cluster starts: the starting cluster is found and terminated', async () => {
      const emr = new FakeEmr({ bootLooks: 100 });
      const run = await runPipeline(pipeline, { steps: steps('extract') }, {
        emr,
        abortWhen: (state) => state === S.DESCRIBE_CLUSTER && emr.clusters[0].looks === 1,
      });

      expect(run.status).toBe('ABORTED');
      expect(run.emr.clusters.map((c) => c.state)).toEqual(['STARTING']);
      await runTeardown(teardown, run.emr, 'ABORTED', { steps: steps('extract') });
      expect(run.emr.terminated).toEqual([run.emr.clusters[0].id]);
      expect(run.emr.listRequests).toEqual([{ ClusterStates: ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'] }]);
    });

    test('timed out during steps: the cluster is terminated, other clusters are not', async () => {
      const { pipeline: short } = definitions({ timeout: Duration.seconds(1) });
      const emr = new FakeEmr({ stepLooks: Infinity });
      emr.addCluster('j-OTHER', 'someone else\'s');
      emr.addCluster('j-PREVIOUS', executionArn('nightly-2026-11-29'));
      const run = await runPipeline(short, { steps: steps('extract') }, { emr, stepDelayMs: 20 });

      expect(run.status).toBe('TIMED_OUT');
      expect(emr.steps.map((s) => s.state)).toEqual(['RUNNING']);
      await runTeardown(teardown, emr, 'TIMED_OUT', { steps: steps('extract') });
      expect(emr.terminated).toEqual([created(emr)[0].id]);
    });

    test('more active clusters than one ListClusters page: every page is read and the execution\'s cluster found on the last', async () => {
      const emr = new FakeEmr({ pageSize: 50 });
      for (let i = 0; i < 120; i++) emr.addCluster(`j-OTHER${i}`, `other-${i}`);
      emr.addCluster('j-MINE', executionArn(EXECUTION), 'RUNNING');
      await runTeardown(teardown, emr, 'FAILED', { steps: steps('extract') });

      expect(emr.listRequests.map((r) => r.Marker)).toEqual([undefined, '50', '100']);
      expect(emr.terminated).toEqual(['j-MINE']);
    });

    test('an execution input near Step Functions\' 256 KiB limit does not matter', async () => {
      const emr = new FakeEmr();
      emr.addCluster('j-MINE', executionArn(EXECUTION), 'RUNNING');
      const big = { steps: steps(...Array.from({ length: 2500 }, (_, i) => `step-number-${i}-with-a-long-name`)) };
      expect(JSON.stringify(big).length).toBeGreaterThan(240 * 1024);
      await runTeardown(teardown, emr, 'ABORTED', big);

      expect(emr.terminated).toEqual(['j-MINE']);
    });

    test('an ambiguous submission error retried after EMR created the cluster: both clusters are terminated, even after success', async () => {
      const emrShared = new FakeEmr();
      let ambiguous = true;
      const run = await runPipeline(pipeline, { steps: steps('extract') }, {
        before: {
          [S.CREATE_CLUSTER]: (request) => {
            if (ambiguous) {
              ambiguous = false;
              emrShared.createCluster(request); // EMR created it, then the response was lost
              throw taskError('EMR.AmazonElasticMapReduceException', 'Internal error (Service: AmazonElasticMapReduce; Status Code: 500)');
            }
          },
        },
        emr: emrShared,
      });

      expect(run.error).toBeUndefined();
      expect(emrShared.clusters).toHaveLength(2);
      expect(emrShared.terminated).toHaveLength(1);
      await runTeardown(teardown, emrShared, 'SUCCEEDED', { steps: steps('extract') });
      expect(emrShared.terminated.sort()).toEqual(emrShared.clusters.map((c) => c.id).sort());
    });

    test('terminates nothing when the execution created no cluster, and leaves a given cluster running', async () => {
      const emr = new FakeEmr();
      emr.addCluster('j-GIVEN', 'shared');
      await runTeardown(teardown, emr, 'ABORTED', { clusterId: 'j-GIVEN', steps: steps('extract') });

      expect(emr.terminated).toEqual([]);
    });

    test('cluster summaries without Name or Id (no member is guaranteed by the API model) are skipped, not an error', async () => {
      const emr = new FakeEmr();
      emr.addCluster('j-MINE', executionArn(EXECUTION), 'RUNNING');
      const list = emr.listClusters.bind(emr);
      emr.listClusters = (request: any) => {
        const page = list(request);
        page.Clusters.push({ Status: { State: 'STARTING' } }, { Id: 'j-NONAME' }, { Name: executionArn(EXECUTION) });
        checkEmrOutput('ListClusters', page);
        return page;
      };
      await runTeardown(teardown, emr, 'ABORTED', { steps: steps('extract') });

      expect(emr.terminated).toEqual(['j-MINE']);
    });

    test('no clusters at all (ListClusters without a Clusters member) ends cleanly', async () => {
      const emr = new FakeEmr();
      emr.listClusters = (request: any) => { emr.listRequests.push(request); return {}; };
      await expect(runTeardown(teardown, emr, 'ABORTED', { steps: steps('extract') })).resolves.toBeDefined();
      expect(emr.listRequests).toHaveLength(1);
    });

    test('with terminateGivenCluster, also terminates the cluster id from the execution input, and survives inputs without one', async () => {
      const { teardown: terminating } = definitions({ terminateGivenCluster: true });
      const emr = new FakeEmr();
      emr.addCluster('j-GIVEN', 'shared');
      await runTeardown(terminating, emr, 'ABORTED', { clusterId: 'j-GIVEN', steps: steps('extract') });
      await runTeardown(terminating, emr, 'ABORTED', { steps: steps('extract') });
      await runTeardown(terminating, emr, 'ABORTED', { clusterId: 42, steps: steps('extract') });

      expect(emr.terminated).toEqual(['j-GIVEN']);
    });
  });
});

describe('the stand-ins return only what the EMR API model defines', () => {
  test('every fake EMR result passes the model check, and the check rejects a member the model does not define', () => {
    const emr = new FakeEmr({ failSteps: ['x'], stepLooks: 1 });
    const { ClusterId } = emr.createCluster({ Name: 'n' });
    emr.describeCluster({ ClusterId });
    const { StepId } = emr.addStep({ ClusterId, Step: { Name: 'x', HadoopJarStep: { Args: [] } } });
    emr.describeStep({ ClusterId, StepId });
    emr.describeStep({ ClusterId, StepId });
    emr.listClusters({ ClusterStates: ['STARTING'] });
    emr.terminateCluster({ ClusterId });

    // camelCase (the service's wire casing in some APIs) is not what Step Functions returns
    expect(() => checkEmrOutput('ListClusters', { clusters: [] })).toThrow(/clusters: not a member/);
    expect(() => checkEmrOutput('DescribeStep', { Step: { Status: { state: 'FAILED' } } })).toThrow(/Step.Status.state: not a member/);
    expect(() => checkEmrOutput('DescribeCluster', { Cluster: { Id: 1 } })).toThrow(/Cluster.Id: expected a string/);
    expect(() => checkEmrOutput('TerminateJobFlows', { ClusterId })).toThrow(/not a member/);
  });
});
