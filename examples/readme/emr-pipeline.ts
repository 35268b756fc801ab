import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { EmrPipeline } from '../../src';

// README examples of the EmrPipeline section, compiled (type-checked only, never synthesized).
declare const stack: Stack;
declare const vpc: ec2.IVpc;
declare const dataBucket: s3.IBucket;
declare const scheduler: iam.IRole;

const pipeline = new EmrPipeline(stack, 'NightlyJobs', { vpc });
dataBucket.grantReadWrite(pipeline.instanceRole);

// Start an execution with the steps to run, e.g. from an EventBridge schedule:
// { "steps": [
//   { "name": "sessions", "jar": "command-runner.jar",
//     "args": ["spark-submit", "--deploy-mode", "cluster", "s3://my-jobs/sessions.py"] },
//   { "name": "revenue", "jar": "command-runner.jar",
//     "args": ["spark-submit", "--deploy-mode", "cluster", "s3://my-jobs/revenue.py"] }
// ] }
// Add "clusterId": "j-..." to run them on an existing cluster instead (left running).

const tuned = new EmrPipeline(stack, 'Pipeline', {
  vpc,
  vpcSubnets: { subnetGroupName: 'Analytics' },
  releaseLabel: 'emr-7.5.0',
  applications: ['Spark', 'Hive'],
  maxConcurrency: 8, // at most 8 steps at once; the cluster's step concurrency follows
  instanceFleets: [
    { instanceFleetType: tasks.EmrCreateCluster.InstanceRoleType.MASTER, targetOnDemandCapacity: 1, instanceTypeConfigs: [{ instanceType: 'm5.xlarge' }] },
    { instanceFleetType: tasks.EmrCreateCluster.InstanceRoleType.CORE, targetSpotCapacity: 8, instanceTypeConfigs: [{ instanceType: 'r5.2xlarge' }, { instanceType: 'r6i.2xlarge' }] },
  ],
  idleTimeout: Duration.minutes(30),
  timeout: Duration.hours(3),
});
tuned.grantStartExecution(scheduler);
