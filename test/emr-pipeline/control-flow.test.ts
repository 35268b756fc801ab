import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { stateMachineDefinition } from './asl';
import { LocalStateMachine } from './local-sfn';
import { EmrPipeline, EmrPipelineProps, EmrPipelineStates as S } from '../../src';
import { TeardownStates as T } from '../../src/emr-pipeline/private/teardown';

/**
 * The pipeline's control flow, proven by executing the synthesized Amazon States Language with
 * aws-local-stepfunctions. The EMR tasks are replaced by local stand-ins (keyed by state name)
 * that record what they were asked to do; everything else (Choice, Map, Retry, Catch, Fail with
 * ErrorPath/CausePath, JSONPath and intrinsic functions) is the emulator running our definition.
 */

interface Calls {
  created: unknown[];
  steps: Array<{ ClusterId: string; Step: { Name: string; ActionOnFailure: string; HadoopJarStep: { Jar: string; Args: string[] } } }>;
  terminated: string[];
  order: string[];
}

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

function failure(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

interface RunOptions {
  /** Throws for the step with this name, as a failed EMR step (`States.TaskFailed`). */
  readonly failStep?: string;
  readonly stepDelayMs?: number;
  readonly createCluster?: () => unknown;
  readonly terminateCluster?: () => unknown;
  /** Called with the current number of steps running, each time a step starts. */
  readonly onStepStart?: (running: number) => void;
}

/** Runs the pipeline definition with EMR stand-ins; resolves to the outcome and the recorded calls. */
async function runPipeline(definition: any, input: any, options: RunOptions = {}) {
  const calls: Calls = { created: [], steps: [], terminated: [], order: [] };
  let running = 0;
  const terminate = async (request: any) => {
    options.terminateCluster?.();
    calls.terminated.push(request.ClusterId);
    calls.order.push(`terminate ${request.ClusterId}`);
    return {};
  };
  const execution = new LocalStateMachine(definition).run(input, {
    context: { Execution: { Name: 'nightly-2026-11-30', Input: input as any } },
    overrides: {
      taskResourceLocalHandlers: {
        [S.CREATE_CLUSTER]: async (request: any) => {
          calls.created.push(request);
          calls.order.push('create');
          return (options.createCluster?.() ?? { ClusterId: 'j-CREATED', ClusterArn: 'arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/j-CREATED' }) as any;
        },
        [S.RUN_STEP]: async (request: any) => {
          running += 1;
          try {
            options.onStepStart?.(running);
            calls.steps.push(request);
            await sleep(options.stepDelayMs ?? 1);
            if (request.Step.Name === options.failStep) {
              throw failure('States.TaskFailed', `{"Step":{"Name":"${request.Step.Name}","Status":{"State":"FAILED"}}}`);
            }
            calls.order.push(`step ${request.Step.Name}`);
            return { Step: { Name: request.Step.Name, Status: { State: 'COMPLETED' } } };
          } finally {
            running -= 1;
          }
        },
        [S.TERMINATE_CLUSTER]: terminate,
        [S.TERMINATE_CLUSTER_AFTER_FAILURE]: terminate,
      },
      retryIntervalOverrides: { [S.CREATE_CLUSTER]: 0, [S.RUN_STEP]: 0, [S.TERMINATE_CLUSTER]: 0, [S.TERMINATE_CLUSTER_AFTER_FAILURE]: 0 },
    },
  });
  try {
    return { output: await execution.result, calls };
  } catch (error: any) {
    return { error: { name: error.cause?.name, cause: error.cause?.message }, calls };
  }
}

const steps = (...names: string[]) => names.map((name) => ({ name, jar: 'command-runner.jar', args: ['spark-submit', `s3://jobs/${name}.py`] }));

describe('EmrPipeline state machine, executed', () => {
  const { pipeline, teardown } = definitions();

  test('all steps succeed: a cluster is created for the execution, every step runs on it, then it is terminated', async () => {
    const { output, error, calls } = await runPipeline(pipeline, { steps: steps('extract', 'transform', 'load') });

    expect(error).toBeUndefined();
    expect(calls.created).toHaveLength(1);
    expect(calls.created[0]).toMatchObject({ Name: 'nightly-2026-11-30', StepConcurrencyLevel: 4, AutoTerminationPolicy: { IdleTimeout: 3600 } });
    expect(calls.steps.map((s) => s.ClusterId)).toEqual(['j-CREATED', 'j-CREATED', 'j-CREATED']);
    expect(calls.steps.find((s) => s.Step.Name === 'transform')).toEqual({
      ClusterId: 'j-CREATED',
      Step: { Name: 'transform', ActionOnFailure: 'CONTINUE', HadoopJarStep: { Jar: 'command-runner.jar', Args: ['spark-submit', 's3://jobs/transform.py'] } },
    });
    expect(calls.terminated).toEqual(['j-CREATED']);
    // Terminated last, after every step finished.
    expect(calls.order[calls.order.length - 1]).toBe('terminate j-CREATED');
    expect(output).toMatchObject({ cluster: { clusterId: 'j-CREATED', terminate: true } });
  });

  test('one step fails: the cluster is still terminated and the execution fails with that step\'s error and cause', async () => {
    const { output, error, calls } = await runPipeline(pipeline, { steps: steps('extract', 'transform', 'load') }, { failStep: 'transform' });

    expect(output).toBeUndefined();
    expect(error).toEqual({ name: 'States.TaskFailed', cause: '{"Step":{"Name":"transform","Status":{"State":"FAILED"}}}' });
    expect(calls.terminated).toEqual(['j-CREATED']);
  });

  test('a throttled step is retried and the execution succeeds', async () => {
    let throttled = false;
    const { error, calls } = await runPipeline(pipeline, { steps: steps('extract') }, {
      onStepStart: () => {
        if (!throttled) {
          throttled = true;
          throw failure('ThrottlingException', 'Rate exceeded');
        }
      },
    });

    expect(error).toBeUndefined();
    expect(calls.steps.map((s) => s.Step.Name)).toEqual(['extract']);
    expect(calls.terminated).toEqual(['j-CREATED']);
  });

  test('cluster creation fails: no step runs, the execution fails with the creation error', async () => {
    const { error, calls } = await runPipeline(pipeline, { steps: steps('extract') }, {
      createCluster: () => {
        throw failure('States.TaskFailed', 'Cluster j-CREATED terminated with errors: bootstrap action failed');
      },
    });

    expect(error).toEqual({ name: 'States.TaskFailed', cause: 'Cluster j-CREATED terminated with errors: bootstrap action failed' });
    expect(calls.steps).toEqual([]);
    expect(calls.terminated).toEqual([]);
  });

  test('terminating fails after the steps succeeded: the execution fails (so the teardown state machine runs)', async () => {
    const { error } = await runPipeline(pipeline, { steps: steps('extract') }, {
      terminateCluster: () => {
        throw failure('EMR.AmazonElasticMapReduceException', 'Access denied');
      },
    });

    expect(error?.name).toBe('EMR.AmazonElasticMapReduceException');
  });

  test('terminating fails after a step failed: the execution still reports the step\'s error', async () => {
    const { error } = await runPipeline(pipeline, { steps: steps('extract') }, {
      failStep: 'extract',
      terminateCluster: () => {
        throw failure('EMR.AmazonElasticMapReduceException', 'Access denied');
      },
    });

    expect(error).toEqual({ name: 'States.TaskFailed', cause: '{"Step":{"Name":"extract","Status":{"State":"FAILED"}}}' });
  });

  test('an input without steps fails before any cluster is created', async () => {
    const { error, calls } = await runPipeline(pipeline, { jobs: [] });

    expect(error?.name).toBe('InvalidInput');
    expect(calls.created).toEqual([]);
  });

  test('an existing cluster id is used without creating a cluster, and that cluster is left running', async () => {
    const { error, calls } = await runPipeline(pipeline, { clusterId: 'j-GIVEN', steps: steps('extract', 'load') });

    expect(error).toBeUndefined();
    expect(calls.created).toEqual([]);
    expect(calls.steps.map((s) => s.ClusterId)).toEqual(['j-GIVEN', 'j-GIVEN']);
    expect(calls.terminated).toEqual([]);
  });

  test('a step failing on an existing cluster fails the execution with the step\'s error and leaves the cluster running', async () => {
    const { error, calls } = await runPipeline(pipeline, { clusterId: 'j-GIVEN', steps: steps('extract') }, { failStep: 'extract' });

    expect(error?.name).toBe('States.TaskFailed');
    expect(calls.terminated).toEqual([]);
  });

  test('terminateGivenCluster: the given cluster is terminated after success and after failure', async () => {
    const { pipeline: terminating } = definitions({ terminateGivenCluster: true });

    const succeeded = await runPipeline(terminating, { clusterId: 'j-GIVEN', steps: steps('extract') });
    const failed = await runPipeline(terminating, { clusterId: 'j-GIVEN', steps: steps('extract') }, { failStep: 'extract' });

    expect(succeeded.calls.created).toEqual([]);
    expect(succeeded.calls.terminated).toEqual(['j-GIVEN']);
    expect(failed.calls.terminated).toEqual(['j-GIVEN']);
    expect(failed.error?.name).toBe('States.TaskFailed');
  });

  describe('the Map never runs more than maxConcurrency steps at once', () => {
    test.each([1, 3])('maxConcurrency %d, 9 steps', async (maxConcurrency) => {
      const { pipeline: bounded } = definitions({ maxConcurrency });
      let peak = 0;
      const { error, calls } = await runPipeline(bounded, { steps: steps('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i') }, {
        stepDelayMs: 40,
        onStepStart: (running) => { peak = Math.max(peak, running); },
      });

      expect(error).toBeUndefined();
      expect(calls.steps).toHaveLength(9);
      // Reaches the limit (the steps do overlap) and never exceeds it.
      expect(peak).toBe(maxConcurrency);
    });

    test('maxConcurrency 0 runs every step at once', async () => {
      const { pipeline: unbounded } = definitions({ maxConcurrency: 0 });
      let peak = 0;
      await runPipeline(unbounded, { steps: steps('a', 'b', 'c', 'd', 'e', 'f') }, {
        stepDelayMs: 40,
        onStepStart: (running) => { peak = Math.max(peak, running); },
      });

      expect(peak).toBe(6);
    });
  });

  describe('teardown state machine', () => {
    /** Runs the teardown for an EventBridge status-change event with the given history events. */
    async function runTeardown(definition: any, executionInput: unknown, events: unknown[]) {
      const historyRequests: unknown[] = [];
      const terminated: string[] = [];
      const terminate = async (request: any) => {
        terminated.push(request.ClusterId);
        return {};
      };
      await new LocalStateMachine(definition).run({
        'detail-type': 'Step Functions Execution Status Change',
        'source': 'aws.states',
        'detail': {
          executionArn: 'arn:aws:states:us-east-1:123456789012:execution:Pipeline:nightly-2026-11-30',
          status: 'ABORTED',
          input: JSON.stringify(executionInput),
        },
      }, {
        overrides: {
          taskResourceLocalHandlers: {
            [T.READ_HISTORY]: async (request: any) => {
              historyRequests.push(request);
              return { events } as any;
            },
            [T.TERMINATE_CREATED_CLUSTER]: terminate,
            [T.TERMINATE_GIVEN_CLUSTER]: terminate,
          },
        },
      }).result;
      return { historyRequests, terminated };
    }

    const submitted = (resource: string, output: unknown) => ({
      type: 'TaskSubmitted',
      taskSubmittedEventDetails: { resourceType: 'elasticmapreduce', resource, output: JSON.stringify(output) },
    });

    test('terminates the cluster an aborted execution created, found in its history', async () => {
      const { historyRequests, terminated } = await runTeardown(teardown, { steps: steps('extract') }, [
        { type: 'ExecutionStarted' },
        { type: 'TaskScheduled' },
        submitted('createCluster.sync', { ClusterId: 'j-CREATED', ClusterArn: 'arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/j-CREATED' }),
        { type: 'MapStateEntered' },
        submitted('addStep.sync', { StepId: 's-1' }),
        submitted('terminateCluster.sync', {}),
      ]);

      expect(historyRequests).toEqual([{
        ExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:Pipeline:nightly-2026-11-30',
        MaxResults: 30,
        ReverseOrder: false,
        IncludeExecutionData: true,
      }]);
      expect(terminated).toEqual(['j-CREATED']);
    });

    test('also finds the id under RunJobFlow\'s name (JobFlowId), and every cluster of retried creations', async () => {
      const { terminated } = await runTeardown(teardown, { steps: steps('extract') }, [
        submitted('createCluster.sync', { JobFlowId: 'j-FIRST' }),
        { type: 'TaskFailed' },
        submitted('createCluster.sync', { JobFlowId: 'j-SECOND' }),
      ]);

      expect(terminated.sort()).toEqual(['j-FIRST', 'j-SECOND']);
    });

    test('terminates nothing when the execution created no cluster, and leaves a given cluster running', async () => {
      const { terminated } = await runTeardown(teardown, { clusterId: 'j-GIVEN', steps: steps('extract') }, [
        { type: 'ExecutionStarted' },
        // Even if another task's response named a cluster, only cluster creations count.
        submitted('addStep.sync', { ClusterId: 'j-GIVEN', StepId: 's-1' }),
      ]);

      expect(terminated).toEqual([]);
    });

    test('with terminateGivenCluster, also terminates the cluster id from the execution input', async () => {
      const { teardown: terminating } = definitions({ terminateGivenCluster: true });
      const given = await runTeardown(terminating, { clusterId: 'j-GIVEN', steps: steps('extract') }, [{ type: 'ExecutionStarted' }]);
      const created = await runTeardown(terminating, { steps: steps('extract') }, [submitted('createCluster.sync', { ClusterId: 'j-CREATED' })]);

      expect(given.terminated).toEqual(['j-GIVEN']);
      expect(created.terminated).toEqual(['j-CREATED']);
    });
  });
});
