// A consumer's CDK app (plain JavaScript, as jsii users in other languages see the API): the packed
// tarball, installed into a fresh folder with only aws-cdk-lib and constructs, synthesizes every
// construct together with no credentials and no build tools. Run by .ci/consumer-smoke.sh.
const { App, Stack, Duration } = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const ec2 = require('aws-cdk-lib/aws-ec2');
const p = require('cdk-serverless-patterns');
const app = new App();
const stack = new Stack(app, 'Consumer');
const code = lambda.Code.fromInline('exports.handler = async () => ({})');
const fnProps = { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code };
const api = new p.ProvisionedFunction(stack, 'Api', { ...fnProps, provisionedConcurrency: 1 });
new p.StreamProcessor(stack, 'Stream', { source: p.StreamSource.newKinesisStream(), consumer: api.alias });
new p.DurableSubscriber(stack, 'Sub', { consumerProps: fnProps });
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
new p.EmrPipeline(stack, 'Emr', { vpc });
new p.AuroraIamFunction(stack, 'Db', { vpc, code, handler: 'index.handler' });
const asm = app.synth();
const t = asm.getStackByName('Consumer').template;
const types = new Set(Object.values(t.Resources).map((r) => r.Type));
for (const type of ['AWS::Lambda::Alias', 'AWS::Lambda::EventSourceMapping', 'AWS::SNS::Subscription',
  'AWS::StepFunctions::StateMachine', 'AWS::RDS::DBCluster', 'Custom::AuroraIamDatabaseUser']) {
  if (!types.has(type)) throw new Error(`expected a ${type} in the consumer's template`);
}
console.log(`consumer app: ${Object.keys(t.Resources).length} resources synthesized from the packed tarball`);
