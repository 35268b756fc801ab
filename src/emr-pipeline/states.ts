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
