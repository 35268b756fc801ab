import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EmrPipeline } from '../src';
import { enforceNag } from './support/gates';
import { acknowledgeTestVpc } from './support/guard-fixtures';
import { acknowledgeGuardRule } from '../src/common/guard';

/**
 * One EmrPipeline on a single-node cluster in a public subnet (no NAT gateway to pay for).
 * An execution runs one `command-runner.jar echo` step on a cluster the pipeline creates; the test
 * then asserts that:
 *
 * 1. the execution SUCCEEDED (create cluster -> Map -> addStep.sync -> terminateCluster.sync),
 * 2. the step is COMPLETED on the cluster named in the execution output, and
 * 3. that cluster is TERMINATED (by the pipeline itself, not by idle auto-termination: the
 *    execution cannot succeed before its terminateCluster.sync state has seen the termination).
 *
 * The stack's own deletion is part of the test: the cluster runs with the pipeline's EMR-managed
 * security groups (never EMR's default ones, which the stack would not own), and the pipeline's
 * cleanup resource revokes the rules EMR added between them before CloudFormation deletes them and
 * the VPC.
 */
const app = new App();
const stack = new Stack(app, 'EmrPipelineInteg');

const vpc = new ec2.Vpc(stack, 'Vpc', {
  maxAzs: 1,
  natGateways: 0,
  subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }],
  flowLogs: { FlowLog: {} },
});
acknowledgeTestVpc(vpc);
acknowledgeGuardRule(vpc.publicSubnets[0].node.findChild('Subnet'), 'subnet_auto_assign_public_ip_disabled_check',
  'The test cluster runs in this public subnet without a NAT gateway (to keep the test cheap), so its instances need public IPs to reach EMR and S3.');

const pipeline = new EmrPipeline(stack, 'Pipeline', {
  vpc,
  vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
  coreInstanceCount: 0,
  maxConcurrency: 2,
  idleTimeout: Duration.minutes(15),
  timeout: Duration.hours(1),
});
// The buckets keep EMR's logs (not emptied on deletion); the rest of the test goes away.
pipeline.logGroup.applyRemovalPolicy(RemovalPolicy.DESTROY);
(pipeline.logGroupEncryptionKey as kms.Key).applyRemovalPolicy(RemovalPolicy.DESTROY);

const integ = new IntegTest(app, 'EmrPipelineTest', {
  testCases: [stack],
  diffAssets: false,
});

const started = integ.assertions.awsApiCall('StepFunctions', 'startExecution', {
  stateMachineArn: pipeline.stateMachine.stateMachineArn,
  input: JSON.stringify({
    steps: [{ name: 'echo', jar: 'command-runner.jar', args: ['echo', 'hello from the EMR pipeline'] }],
  }),
});

// Cluster start (~8 min), the step and termination (~2 min each) with the 60 s EMR polling of .sync.
const succeeded = integ.assertions.awsApiCall('StepFunctions', 'describeExecution', {
  executionArn: started.getAttString('executionArn'),
})
  // assertAtPath (not expect): once getAttString filters the response to its output paths, only
  // asserted paths remain in it.
  .assertAtPath('status', ExpectedResult.stringLikeRegexp('^SUCCEEDED$'))
  .waitForAssertions({ totalTimeout: Duration.minutes(40), interval: Duration.minutes(1) });
started.next(succeeded);

// The execution output (a JSON string, parsed by the assertion provider) names the cluster.
const clusterId = succeeded.getAttString('output.cluster.clusterId');

const steps = integ.assertions.awsApiCall('EMR', 'listSteps', { ClusterId: clusterId })
  .expect(ExpectedResult.objectLike({
    Steps: Match.arrayWith([Match.objectLike({ Name: 'echo', Status: Match.objectLike({ State: 'COMPLETED' }) })]),
  }));
succeeded.next(steps);

const terminated = integ.assertions.awsApiCall('EMR', 'describeCluster', { ClusterId: clusterId })
  .expect(ExpectedResult.objectLike({
    Cluster: Match.objectLike({
      Id: clusterId,
      Status: Match.objectLike({ State: 'TERMINATED', StateChangeReason: Match.objectLike({ Code: 'USER_REQUEST' }) }),
    }),
  }));
succeeded.next(terminated);

enforceNag(stack);
