import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Every jsii language the library is configured for (package.json `jsii.targets`) gets its code
 * generated from the compiled assembly (lib/.jsii, so this runs after `projen compile`, as the
 * build's test task does), and the Python wheel and sdist are built from that code. Only Python can
 * be packaged here: Maven Central, NuGet and the Go proxy are out of reach, and jsii-pacmak's own
 * Python packaging wants a setuptools this machine cannot install (TOOLCHAIN.md). Nothing generated is
 * imported: the jsii runtimes cannot be installed here either.
 */
const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8'));
const targets = pkg.jsii.targets;
const ASSEMBLY = path.join(ROOT, '.jsii');

/** A Python that has the `build` frontend (Debian's python3-build; `.ci/prerequisites.sh` installs it). */
function pythonWithBuild(): string {
  for (const candidate of ['python3', '/usr/bin/python3', 'python']) {
    if (spawnSync(candidate, ['-c', 'import build'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error("no Python with the 'build' module on this machine: install it (Debian: apt-get install python3-build)");
}

/** `^2.257.0` -> floor `2.257.0`, next major `3.0.0`: the range every jsii target writes. */
function caretRange(spec: string): { floor: string; nextMajor: string } {
  const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(spec);
  if (!m) throw new Error(`peer dependency range ${spec} is not a caret range`);
  return { floor: `${m[1]}.${m[2]}.${m[3]}`, nextMajor: `${Number(m[1]) + 1}.0.0` };
}

let out: string;
let classes: string[];

beforeAll(() => {
  if (!fs.existsSync(ASSEMBLY)) throw new Error('no .jsii assembly: run `npx projen compile` first');
  const assembly = JSON.parse(fs.readFileSync(ASSEMBLY, 'utf-8'));
  classes = Object.values<any>(assembly.types).filter((t) => t.kind === 'class').map((t) => t.name);
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'pacmak-'));
  // (with the optional, non-jsii peers hidden from jsii-pacmak, as the compile and package tasks do)
  execFileSync(process.execPath, ['--require', path.join(ROOT, 'projenrc', 'jsii-without-optional-peers.js'), require.resolve('jsii-pacmak/bin/jsii-pacmak.js'),
    '--code-only', '--outdir', out, '--targets', 'python', 'java', 'dotnet', 'go', '--', ROOT], { stdio: 'pipe' });
}, 120_000);

afterAll(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

test('the targets are named in the style of the CDK libraries users know', () => {
  expect(targets).toEqual({
    python: { distName: 'cdk-serverless-patterns', module: 'cdk_serverless_patterns' },
    java: {
      package: 'io.github.cdkserverlesspatterns',
      maven: { groupId: 'io.github.cdk-serverless-patterns', artifactId: 'cdk-serverless-patterns' },
    },
    dotnet: { namespace: 'CdkServerlessPatterns', packageId: 'CdkServerlessPatterns' },
    go: { moduleName: 'github.com/cdk-serverless-patterns/cdk-serverless-patterns-go' },
  });
});

test('every class of the assembly is generated in every language', () => {
  expect(classes).toEqual(expect.arrayContaining(['ProvisionedFunction', 'StreamProcessor', 'DurableSubscriber',
    'EmrPipeline', 'AuroraIamFunction', 'ServerlessPipeline', 'ServiceDashboard']));
  const python = fs.readFileSync(path.join(out, 'python', 'src', targets.python.module, '__init__.py'), 'utf-8');
  const javaDir = path.join(out, 'java', 'src', 'main', 'java', ...targets.java.package.split('.'));
  const dotnetDir = path.join(out, 'dotnet', targets.dotnet.packageId, targets.dotnet.namespace);
  const goPackage = 'cdkserverlesspatterns';
  const goDir = path.join(out, 'go', goPackage);
  const missing = classes.flatMap((name) => [
    ...(python.includes(`\nclass ${name}(`) ? [] : [`python ${name}`]),
    ...(fs.existsSync(path.join(javaDir, `${name}.java`)) ? [] : [`java ${name}`]),
    ...(fs.existsSync(path.join(dotnetDir, `${name}.cs`)) ? [] : [`dotnet ${name}`]),
    ...(fs.existsSync(path.join(goDir, `${name}.go`)) ? [] : [`go ${name}`]),
  ]);
  expect(missing).toEqual([]);
  expect(fs.readFileSync(path.join(goDir, 'go.mod'), 'utf-8'))
    .toMatch(new RegExp(`^module ${targets.go.moduleName}/${goPackage}$`, 'm'));
});

test('each language depends on the same aws-cdk-lib and constructs floors as the npm package', () => {
  const cdk = caretRange(pkg.peerDependencies['aws-cdk-lib']);
  const constructs = caretRange(pkg.peerDependencies.constructs);
  const pom = fs.readFileSync(path.join(out, 'java', 'pom.xml'), 'utf-8');
  expect(pom).toMatch(new RegExp(`<artifactId>aws-cdk-lib</artifactId>\\s*<version>\\[${cdk.floor},${cdk.nextMajor}\\)</version>`));
  expect(pom).toMatch(new RegExp(`<artifactId>constructs</artifactId>\\s*<version>\\[${constructs.floor},${constructs.nextMajor}\\)</version>`));
  const csproj = fs.readFileSync(path.join(out, 'dotnet', targets.dotnet.packageId, `${targets.dotnet.packageId}.csproj`), 'utf-8');
  expect(csproj).toContain(`<PackageReference Include="Amazon.CDK.Lib" Version="[${cdk.floor},${cdk.nextMajor})" />`);
  expect(csproj).toContain(`<PackageReference Include="Constructs" Version="[${constructs.floor},${constructs.nextMajor})" />`);
  const goMod = fs.readFileSync(path.join(out, 'go', 'cdkserverlesspatterns', 'go.mod'), 'utf-8');
  expect(goMod).toContain(`github.com/aws/aws-cdk-go/awscdk/v2 v${cdk.floor}`);
  expect(goMod).toContain(`github.com/aws/constructs-go/constructs/v10 v${constructs.floor}`);
});

test('the Python wheel and sdist build, and their metadata names the right dependencies', () => {
  const python = pythonWithBuild();
  const dist = path.join(out, 'python-dist');
  execFileSync(python, ['-m', 'build', '--no-isolation', '--skip-dependency-check', '--outdir', dist, '.'],
    { cwd: path.join(out, 'python'), stdio: 'pipe' });
  const files = fs.readdirSync(dist).sort();
  const version = pkg.version;
  expect(files).toEqual([`${targets.python.distName}-${version}.tar.gz`, `${targets.python.module}-${version}-py3-none-any.whl`]);

  // The wheel's METADATA, read with Python's own zipfile (no unzip needed).
  const metadata = execFileSync(python, ['-c',
    'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); ' +
    'print(z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode())',
    path.join(dist, files[1])], { encoding: 'utf-8' });
  const requires = metadata.split('\n').filter((l) => l.startsWith('Requires-Dist: ')).map((l) => l.slice(15).trim());
  const cdk = caretRange(pkg.peerDependencies['aws-cdk-lib']);
  const constructs = caretRange(pkg.peerDependencies.constructs);
  expect(requires).toEqual(expect.arrayContaining([
    `aws-cdk-lib (<${cdk.nextMajor},>=${cdk.floor})`,
    `constructs (<${constructs.nextMajor},>=${constructs.floor})`,
  ]));
  // Besides the two peers, only the jsii runtime and its `publication` helper: nothing of the
  // construct library's own devDependencies leaks into a Python user's install.
  expect(requires.map((r) => r.split(' ')[0]).sort()).toEqual(['aws-cdk-lib', 'constructs', 'jsii', 'publication']);
  expect(metadata).toMatch(/^Name: cdk-serverless-patterns$/m);
  expect(metadata).toMatch(new RegExp(`^Version: ${version.replace(/\./g, '\\.')}$`, 'm'));
}, 120_000);
