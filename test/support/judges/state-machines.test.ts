import * as fs from 'fs';
import * as path from 'path';
import { resolveDefinition, stateMachineFindings } from './state-machines';

/**
 * The state-machine judge must be able to fail: hand-made definitions break the States Language,
 * the API models' requests and the API models' responses, one fault each, and each fault is
 * reported; the same definitions without the fault pass. Member names and shapes come from the
 * aws-sdk v2 models (`apis/elasticmapreduce-2009-03-31.min.json`, `apis/states-2016-11-23.min.json`)
 * and the optimized EMR integration from the Step Functions developer guide (connect-emr.html).
 */

/**
 * A template with one state machine whose definition is rendered the way CDK renders it: an
 * `Fn::Join` where PARTITION is `{ Ref: AWS::Partition }` and SUBNET a reference to a subnet.
 */
function machine(definition: object): object {
  const tokens: Record<string, object> = { PARTITION: { Ref: 'AWS::Partition' }, SUBNET: { Ref: 'Subnet' } };
  const parts = JSON.stringify(definition).split(/(PARTITION|SUBNET)/).map((p) => tokens[p] ?? p);
  return {
    Resources: {
      Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: { 'Fn::Join': ['', parts] } } },
    },
  };
}

const createCluster = (parameters: object) => ({
  StartAt: 'Create',
  States: {
    'Create': {
      Type: 'Task',
      Resource: 'arn:PARTITION:states:::elasticmapreduce:createCluster.sync',
      Parameters: parameters,
      ResultSelector: { 'clusterId.$': '$.ClusterId' },
      ResultPath: '$.cluster',
      Next: 'Add step',
    },
    'Add step': {
      Type: 'Task',
      Resource: 'arn:PARTITION:states:::elasticmapreduce:addStep.sync',
      Parameters: {
        'ClusterId.$': '$.cluster.clusterId',
        'Step': { Name: 'step', ActionOnFailure: 'CONTINUE', HadoopJarStep: { Jar: 'command-runner.jar', Args: ['spark-submit'] } },
      },
      End: true,
    },
  },
});

const CLUSTER = {
  Name: 'cluster',
  ReleaseLabel: 'emr-7.5.0',
  Instances: { Ec2SubnetId: 'SUBNET', KeepJobFlowAliveWhenNoSteps: true, InstanceGroups: [{ InstanceRole: 'MASTER', InstanceType: 'm5.xlarge', InstanceCount: 1 }] },
  StepConcurrencyLevel: 2,
  JobFlowRole: 'EMR_EC2_DefaultRole',
  ServiceRole: 'EMR_DefaultRole',
};

/** Reads a step's execution history (aws-sdk integration: PascalCase members of SFN's camelCase model). */
const history = (read: string, parameters: object = { 'ExecutionArn.$': '$.executionArn' }) => ({
  StartAt: 'History',
  States: {
    'History': {
      Type: 'Task',
      Resource: 'arn:PARTITION:states:::aws-sdk:sfn:getExecutionHistory',
      Parameters: parameters,
      ResultPath: '$.history',
      Next: 'Any events?',
    },
    'Any events?': {
      Type: 'Choice',
      Choices: [{ Variable: read, IsPresent: true, Next: 'Done' }],
      Default: 'Done',
    },
    'Done': { Type: 'Succeed' },
  },
});

describe('state-machine judge', () => {
  test('the sound definitions pass', () => {
    expect(stateMachineFindings(machine(createCluster(CLUSTER)))).toEqual([]);
    expect(stateMachineFindings(machine(history('$.history.Events[0].Type')))).toEqual([]);
  });

  test('a dangling Next breaks the States Language', () => {
    const definition: any = createCluster(CLUSTER);
    definition.States['Add step'].Next = 'Wait for step';
    delete definition.States['Add step'].End;
    expect(stateMachineFindings(machine(definition))).toEqual([
      "Machine: ASL MISSING_TRANSITION_TARGET: Missing 'StartAt'|'Next'|'Default' target: Wait for step",
      'Machine: ASL MISSING_TERMINAL_STATE: State machine fsm1 is missing a terminal state',
    ]);
  });

  test('a misspelled EMR member, a wrong nesting and a literal of the wrong type break the RunJobFlow request', () => {
    const { Instances, ...rest } = CLUSTER;
    expect(stateMachineFindings(machine(createCluster({ ...rest, Instance: Instances, StepConcurrencyLevel: '2', HadoopJarStep: {} })))).toEqual([
      'Machine: state "Create": Parameters.StepConcurrencyLevel: expected a number (arn:aws:states:::elasticmapreduce:createCluster.sync)',
      'Machine: state "Create": Parameters.Instance: not a member of the API\'s shape (arn:aws:states:::elasticmapreduce:createCluster.sync)',
      'Machine: state "Create": Parameters.HadoopJarStep: not a member of the API\'s shape (arn:aws:states:::elasticmapreduce:createCluster.sync)',
      'Machine: state "Create": Parameters.Instances: required by the API, missing (arn:aws:states:::elasticmapreduce:createCluster.sync)',
    ]);
    // The guide: createCluster takes no Steps, and Instances.KeepJobFlowAliveWhenNoSteps is required and true.
    const withSteps = { ...CLUSTER, Steps: [], Instances: { ...CLUSTER.Instances, KeepJobFlowAliveWhenNoSteps: false } };
    expect(stateMachineFindings(machine(createCluster(withSteps)))).toEqual([
      'Machine: state "Create": Parameters.Steps: not a member of the API\'s shape (arn:aws:states:::elasticmapreduce:createCluster.sync)',
      'Machine: state "Create": Parameters.Instances.KeepJobFlowAliveWhenNoSteps: must be true for createCluster (arn:aws:states:::elasticmapreduce:createCluster.sync)',
    ]);
    const { KeepJobFlowAliveWhenNoSteps, ...transient } = CLUSTER.Instances;
    expect(stateMachineFindings(machine(createCluster({ ...CLUSTER, Instances: transient })))).toEqual([
      'Machine: state "Create": Parameters.Instances.KeepJobFlowAliveWhenNoSteps: required by the API, missing (arn:aws:states:::elasticmapreduce:createCluster.sync)',
    ]);
    expect(stateMachineFindings(machine(createCluster({ ...CLUSTER, releaseLabel: 'emr-7.5.0' })))).toEqual([
      'Machine: state "Create": Parameters.releaseLabel: not a member of the API\'s shape (did you mean ReleaseLabel?) (arn:aws:states:::elasticmapreduce:createCluster.sync)',
    ]);
  });

  test('the optimized addStep takes one Step and ClusterId, not EMR\'s Steps and JobFlowId', () => {
    const definition: any = createCluster(CLUSTER);
    definition.States['Add step'].Parameters = { 'JobFlowId.$': '$.cluster.clusterId', 'Steps': [] };
    expect(stateMachineFindings(machine(definition))).toEqual([
      'Machine: state "Add step": Parameters.JobFlowId.$: not a member of the API\'s shape (arn:aws:states:::elasticmapreduce:addStep.sync)',
      'Machine: state "Add step": Parameters.Steps: not a member of the API\'s shape (arn:aws:states:::elasticmapreduce:addStep.sync)',
      'Machine: state "Add step": Parameters.ClusterId: required by the API, missing (arn:aws:states:::elasticmapreduce:addStep.sync)',
      'Machine: state "Add step": Parameters.Step: required by the API, missing (arn:aws:states:::elasticmapreduce:addStep.sync)',
    ]);
  });

  test('a missing required member of an SDK request', () => {
    expect(stateMachineFindings(machine(history('$.history.Events', { MaxResults: 10 })))).toEqual([
      'Machine: state "History": Parameters.ExecutionArn: required by the API, missing (arn:aws:states:::aws-sdk:sfn:getExecutionHistory)',
    ]);
  });

  test('$.events read from GetExecutionHistory\'s result, which Step Functions returns as Events', () => {
    expect(stateMachineFindings(machine(history('$.history.events')))).toEqual([
      'Machine: state "Any events?": Variable reads $.history.events, but the result of aws-sdk:sfn:getExecutionHistory has no member events (did you mean Events?)',
    ]);
    const throughPaths: any = history('$.Events');
    throughPaths.States.History.OutputPath = '$.history';
    throughPaths.States['Any events?'].InputPath = '$.nextToken';
    expect(stateMachineFindings(machine(throughPaths))).toEqual([
      'Machine: state "Any events?": InputPath reads $.nextToken, but the result of aws-sdk:sfn:getExecutionHistory has no member nextToken (did you mean NextToken?)',
    ]);
    expect(stateMachineFindings(machine(history('$.history.Events[0].Type.Name')))).toEqual([
      'Machine: state "Any events?": Variable reads $.history.Events[0].Type.Name, but the result of aws-sdk:sfn:getExecutionHistory.Events[].Type is a string, it has no member Name',
    ]);
  });

  test('a ResultSelector reading EMR\'s JobFlowId, which the optimized createCluster returns as ClusterId', () => {
    const definition: any = createCluster(CLUSTER);
    definition.States.Create.ResultSelector = { 'clusterId.$': '$.JobFlowId' };
    expect(stateMachineFindings(machine(definition))).toEqual([
      'Machine: state "Create": ResultSelector.clusterId.$ reads $.JobFlowId, but the result of elasticmapreduce:createCluster.sync has no member JobFlowId',
    ]);
    // ...and what the selector made is what later states can read
    definition.States.Create.ResultSelector = { 'id.$': '$.ClusterId' };
    expect(stateMachineFindings(machine(definition))).toEqual([
      'Machine: state "Add step": Parameters.ClusterId.$ reads $.cluster.clusterId, but the ResultSelector of "Create" has no member clusterId',
    ]);
  });

  test('an item of an SDK result read inside a Map, a Catch\'s error output, a Map\'s ResultSelector', () => {
    const definition = {
      StartAt: 'List',
      States: {
        List: {
          Type: 'Task',
          Resource: 'arn:PARTITION:states:::aws-sdk:emr:listClusters',
          Parameters: { ClusterStates: ['WAITING'] },
          ResultPath: '$.page',
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
          Next: 'Each',
        },
        Each: {
          Type: 'Map',
          ItemsPath: '$.page.Clusters',
          ItemSelector: { 'cluster.$': '$$.Map.Item.Value' },
          ItemProcessor: {
            StartAt: 'Terminate',
            States: {
              Terminate: { Type: 'Task', Resource: 'arn:PARTITION:states:::elasticmapreduce:terminateCluster', Parameters: { 'ClusterId.$': '$.cluster.ClusterId' }, End: true },
            },
          },
          ResultSelector: { 'terminated.$': '$' },
          ResultPath: '$.summary',
          Next: 'Report',
        },
        Report: { Type: 'Pass', Parameters: { 'count.$': 'States.ArrayLength($.summary.terminatedClusters)' }, End: true },
        Failed: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Reason' },
      },
    };
    expect(stateMachineFindings(machine(definition))).toEqual([
      'Machine: state "Failed": CausePath reads $.error.Reason, but the error output of "List" has no member Reason',
      'Machine: state "Each > Terminate": Parameters.ClusterId.$ reads $.cluster.ClusterId, but the result of aws-sdk:emr:listClusters.Clusters[] has no member ClusterId',
      'Machine: state "Report": Parameters.count.$ reads $.summary.terminatedClusters, but the ResultSelector of "Each" has no member terminatedClusters',
    ]);
  });

  test('an SDK integration named after the aws-sdk v2 class, a PascalCase action, a .sync SDK call', () => {
    expect(stateMachineFindings(machine({
      StartAt: 'Describe',
      States: { Describe: { Type: 'Task', Resource: 'arn:PARTITION:states:::aws-sdk:stepfunctions:describeExecution', Parameters: { ExecutionArn: 'arn' }, End: true } },
    }))).toEqual(['Machine: state "Describe": no AWS SDK service "stepfunctions" (in arn:aws:states:::aws-sdk:stepfunctions:describeExecution)']);
    expect(stateMachineFindings(machine({
      StartAt: 'Describe',
      States: { Describe: { Type: 'Task', Resource: 'arn:PARTITION:states:::aws-sdk:sfn:DescribeExecution', Parameters: { ExecutionArn: 'arn' }, End: true } },
    }))).toEqual(['Machine: state "Describe": actions are camelCase: "describeExecution", not "DescribeExecution" (in arn:aws:states:::aws-sdk:sfn:DescribeExecution)']);
    expect(stateMachineFindings(machine({
      StartAt: 'Describe',
      States: { Describe: { Type: 'Task', Resource: 'arn:PARTITION:states:::aws-sdk:sfn:describeexecution', Parameters: { ExecutionArn: 'arn' }, End: true } },
    }))).toEqual(['Machine: state "Describe": SFN has no action "describeexecution" (did you mean describeExecution?)']);
    expect(stateMachineFindings(machine({
      StartAt: 'Run',
      States: { Run: { Type: 'Task', Resource: 'arn:PARTITION:states:::aws-sdk:emr:runJobFlow.sync', Parameters: {}, End: true } },
    }))).toEqual(['Machine: state "Run": arn:aws:states:::aws-sdk:emr:runJobFlow.sync is not arn:aws:states:::aws-sdk:<service>:<action>[.waitForTaskToken]']);
  });

  test('the pipeline\'s real teardown, one member misspelt, is caught', () => {
    const file = path.join(__dirname, '..', '..', '..', 'integ', 'integ.emr-pipeline.ts.snapshot', 'EmrPipelineInteg.template.json');
    const template = JSON.parse(fs.readFileSync(file, 'utf-8'));
    expect(stateMachineFindings(template)).toEqual([]);
    const [logicalId] = Object.keys(template.Resources)
      .filter((id) => /^PipelineTeardownStateMachine/.test(id) && template.Resources[id].Type === 'AWS::StepFunctions::StateMachine');
    const join = template.Resources[logicalId].Properties.DefinitionString['Fn::Join'];
    join[1] = join[1].map((part: unknown) => (typeof part === 'string' ? part.replace('"$.cluster.Id"}', '"$.cluster.ID"}') : part));
    expect(stateMachineFindings(template)).toEqual([
      `${logicalId}: state "Terminate clusters of the execution > Terminate cluster of the execution": Parameters.ClusterId.$ reads $.cluster.ID, but the result of aws-sdk:emr:listClusters.Clusters[] has no member ID (did you mean Id?)`,
    ]);
  });

  test('Fn::Sub definitions and DefinitionSubstitutions resolve to parseable JSON', () => {
    const sub = resolveDefinition({
      DefinitionString: { 'Fn::Sub': ['{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":${Seconds},"Comment":"${AWS::Region} ${!literal}","End":true}}}', { Seconds: { Ref: 'Delay' } }] },
    });
    expect(sub.definition.States.W).toEqual({ Type: 'Wait', Seconds: 'ref-Delay', Comment: 'us-east-1 ${literal}', End: true });
    expect([...sub.placeholders]).toEqual(['ref-Delay']);
    const substituted = resolveDefinition({
      DefinitionString: '{"StartAt":"W","States":{"W":{"Type":"Pass","Comment":"${unknown}","Next":"${next}"},"E":{"Type":"Succeed"}}}',
      DefinitionSubstitutions: { next: 'E' },
    });
    expect(substituted.definition.States.W).toEqual({ Type: 'Pass', Comment: '${unknown}', Next: 'E' });
  });
});
