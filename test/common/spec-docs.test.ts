import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as ts from 'typescript';
import {
  DocumentedRows, FoundSpec, findSpecs, readmeSection, specFiles, specMismatches,
} from '../support/spec-docs';

/**
 * Every construct's spec (src/<construct>/private/spec.ts) agrees with the docs: each prop's
 * `@default` starts with what the spec says (`defaultDoc`, else the default printed), a value-like
 * `@default` has a default in the spec, and the README's defaults table of the construct contains
 * each `readmeDefault` in the row naming the prop, and every row naming one prop of the spec by
 * itself has one.
 */
const ROOT = path.join(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');

/** The mismatches of found specs against `readme`. */
function mismatches(found: { specs: FoundSpec[]; checker: ts.TypeChecker }, readme: string): string[] {
  return found.specs.flatMap((spec) => spec.propsType
    ? specMismatches({
      rows: spec.rows,
      propsType: spec.propsType,
      checker: found.checker,
      readme: readmeSection(readme, spec.constructName),
      readmeTitle: spec.constructName,
    })
    : [`${spec.name}: its props type is unknown (make the spec with defineSpec<Props>())`]);
}

describe('the specs of src/', () => {
  const files = specFiles(SRC);
  let found: ReturnType<typeof findSpecs> | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  beforeAll(() => { found = files.length > 0 ? findSpecs(SRC, files, (f) => require(f)) : undefined; });

  test('each spec file exports a spec', () => {
    expect(files.filter((f) => !found?.specs.some((s) => s.name.startsWith(`${path.relative(SRC, f)}:`)))).toEqual([]);
  });

  test('agree with the @default of each prop and with the README', () => {
    expect(found ? mismatches(found, README) : []).toEqual([]);
  });
});

describe('a fake construct', () => {
  // Under the project's git-ignored .tmp/, so that it compiles and loads with the project's modules.
  const dir = path.join(ROOT, '.tmp', `spec-docs-${process.pid}`);
  const spec = path.join(dir, 'src', 'fake', 'private', 'spec.ts');
  beforeAll(() => {
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    };
    write(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: path.join(ROOT, 'tsconfig.json'), compilerOptions: { rootDir: '.' }, include: ['src/**/*.ts'] }));
    write(path.join(dir, 'src', 'fake', 'index.ts'), "export * from './fake';\n");
    write(path.join(dir, 'src', 'fake', 'fake.ts'), [
      "import { Duration } from 'aws-cdk-lib';",
      'export interface ScalingOptions {',
      '  /** @default 4 */',
      '  readonly maxCapacity?: number;',
      '  /** @default 0.7 */',
      '  readonly target?: number;',
      '  /** Undocumented default. */',
      '  readonly minCapacity?: number;',
      '}',
      'export interface FakeProps {',
      '  /** @default 100 */',
      '  readonly batchSize?: number;',
      '  /**',
      '   * Kept this long.',
      '   * @default Duration.hours(2) (the maximum)',
      '   */',
      '  readonly retention?: Duration;',
      '  /** @default 10 */',
      '  readonly parallelism?: number;',
      '  /** @default - none: no filter */',
      '  readonly filter?: string;',
      '  /** @default true */',
      '  readonly tracing?: boolean;',
      '  readonly scaling?: ScalingOptions;',
      '}',
      'export class Fake {',
      '  constructor(_scope: unknown, _id: string, _props: FakeProps = {}) {}',
      '}',
      '',
    ].join('\n'));
    write(spec, [
      "import { Duration } from 'aws-cdk-lib';",
      `import { defineSpec } from '${path.relative(path.dirname(spec), path.join(SRC, 'common', 'spec')).split(path.sep).join('/')}';`,
      "import type { FakeProps } from '../fake';",
      '',
      'export const FAKE_SPEC = defineSpec<FakeProps>()({',
      "  batchSize: { kind: { kind: 'integer', min: 1, max: 1000 }, default: 100, readmeDefault: '100' },",
      "  retention: { kind: { kind: 'duration', unit: 'seconds', min: Duration.minutes(1) }, default: Duration.hours(1), readmeDefault: '1 hour' },",
      "  parallelism: { kind: { kind: 'integer', min: 1, max: 10 } },",
      "  filter: { kind: { kind: 'other' } },",
      "  tracing: { kind: { kind: 'boolean' }, default: true },",
      '  scaling: {',
      "    kind: { kind: 'other' },",
      '    fields: {',
      "      maxCapacity: { kind: { kind: 'integer', min: 1 }, default: 4, readmeDefault: '4' },",
      "      minCapacity: { kind: { kind: 'integer', min: 1 }, default: 1 },",
      "      target: { kind: { kind: 'number', min: 0.1, max: 0.9 }, default: 0.7, readmeDefault: 'target 0.7' },",
      '    },',
      '  },',
      '});',
      '',
    ].join('\n'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let found: ReturnType<typeof findSpecs>;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  beforeAll(() => { found = findSpecs(path.join(dir, 'src'), [spec], (f) => require(f)); });

  const readme = [
    '## Fake', '',
    '| Setting | Default | Range |', '| --- | --- | --- |',
    '| `batchSize` | 100 | 1-1000 |',
    '| `retention` | 2 hours | at least 1 minute |',
    '| `tracing` | `true` | |',
    '| `maxCapacity` | 4 | |',
    '| `scaling.minCapacity` | 1 | |',
    '| `unknownProp` | 7 | |',
    '| Alarms (`alarmTopic`) | none | |',
    '| Scaling (`scaling`) | off; target 0.7 | |',
    '', '## Other', '',
    '| Setting | Default |', '| --- | --- |',
    '| `parallelism` | 3 |',
  ].join('\n');

  test('each disagreement is reported, one line each', () => {
    expect(found.specs.map((s) => [s.name, s.constructName])).toEqual([[path.join('fake', 'private', 'spec.ts: FAKE_SPEC'), 'Fake']]);
    expect(mismatches(found, readme)).toEqual([
      // (a) @default against the spec, (b) a readmeDefault not in the row naming the prop
      "FakeProps.retention: @default 'Duration.hours(2) (the maximum)' does not start with 'Duration.hours(1)'",
      "FakeProps.retention: readmeDefault '1 hour' is in no defaults-table row of '## Fake' that names `retention`",
      "FakeProps.parallelism: @default '10' states a value, but the spec row has no default (set default or defaultDoc)",
      "FakeProps.scaling.minCapacity: no @default in its JSDoc (the spec says '1')",
      // (c) a README row of one prop of the spec without the spec's readmeDefault
      'README \'## Fake\' row `tracing`: FakeProps.tracing has no readmeDefault this row contains (the row: `tracing` | `true` | )',
      "README '## Fake' row `scaling.minCapacity`: FakeProps.scaling.minCapacity has no readmeDefault this row contains (the row: `scaling.minCapacity` | 1 | )",
    ]);
  });

  test('a spec whose construct has no README section cannot state a readmeDefault', () => {
    expect(mismatches(found, '## Other\n').filter((m) => m.includes('README'))).toEqual([
      "FakeProps.batchSize: readmeDefault '100' but the README has no section '## Fake'",
      "FakeProps.retention: readmeDefault '1 hour' but the README has no section '## Fake'",
      "FakeProps.scaling.maxCapacity: readmeDefault '4' but the README has no section '## Fake'",
      "FakeProps.scaling.target: readmeDefault 'target 0.7' but the README has no section '## Fake'",
    ]);
  });
});

describe('the @default rules', () => {
  /** A dependency's interface, as aws-cdk-lib's `lambda.EventInvokeConfigOptions` is to ProvisionedFunctionProps. */
  const DEPENDENCY = '/fake/node_modules/dep/index.d.ts';
  const DEPENDENCY_SOURCE = 'export interface DepOptions {\n  /** @default 2 */\n  readonly retries?: number;\n  /** @default 6 */\n  readonly age?: number;\n}\n';

  /** The props interface `Props` of in-memory sources, and its checker. */
  function propsOf(files: Record<string, string>): { propsType: ts.Type; checker: ts.TypeChecker } {
    const options: ts.CompilerOptions = { noLib: true, types: [] };
    const host = ts.createCompilerHost(options);
    const sources = new Map(Object.entries(files).map(([f, text]) => [f, ts.createSourceFile(f, text, ts.ScriptTarget.ES2022, true)]));
    host.getSourceFile = (name) => sources.get(name);
    host.fileExists = (name) => sources.has(name);
    host.readFile = (name) => files[name];
    host.directoryExists = (dir) => [...sources.keys()].some((f) => f.startsWith(`${dir}/`));
    host.realpath = (name) => name;
    const checker = ts.createProgram([...sources.keys()], options, host).getTypeChecker();
    const props = checker.getExportsOfModule(checker.getSymbolAtLocation(sources.get('/fake/props.ts')!)!).find((s) => s.name === 'Props')!;
    return { propsType: checker.getDeclaredTypeOfSymbol(props), checker };
  }
  const check = (docs: Record<string, string>, rows: DocumentedRows) => specMismatches({
    ...propsOf({
      '/fake/props.ts': "import type { DepOptions } from './node_modules/dep/index';\n"
        + `export interface Props extends DepOptions {\n${Object.entries(docs).map(([k, d]) => `  /** ${d} */\n  readonly ${k}?: unknown;`).join('\n')}\n}\n`,
      [DEPENDENCY]: DEPENDENCY_SOURCE,
    }),
    rows,
    readmeTitle: 'Fake',
  });

  test('a printed default must start the @default as a whole word', () => {
    expect(check(
      { a: '@default 100 ms', b: '@default 1000', c: '@default 1.5', d: '@default true', e: '@default live' },
      { a: { default: 100 }, b: { default: 100 }, c: { default: 1 }, d: { default: true }, e: { default: 'live' } },
    )).toEqual([
      "Props.b: @default '1000' does not start with '100'",
      "Props.c: @default '1.5' does not start with '1'",
    ]);
  });

  test('defaultDoc takes the place of the printed value, and is needed for what does not print as code', () => {
    expect(check(
      { a: '@default - the provisioned concurrency', b: '@default - derived', c: "@default ['npm ci']", d: '@default Duration.seconds(30)', e: '@default 5' },
      {
        a: { default: () => 1, defaultDoc: '- the provisioned concurrency' },
        b: { default: () => 1 },
        c: { default: ['npm ci'] },
        d: { default: Duration.seconds(30) },
        e: { default: 5, defaultDoc: '- five' },
      },
    )).toEqual([
      'Props.b: the default is derived: set defaultDoc to the @default text',
      'Props.c: the default is a list: set defaultDoc to the @default text',
      "Props.e: @default '5' does not start with '- five'",
    ]);
  });

  test('without a default in the spec, the @default may describe but not state a value', () => {
    expect(check(
      { a: '@default - none', b: '@default - a new encrypted queue', c: '@default none', d: 'No tag.', e: '@default 3' },
      { a: {}, b: {}, c: {}, d: {}, e: {}, f: {} },
    )).toEqual([
      "Props.e: @default '3' states a value, but the spec row has no default (set default or defaultDoc)",
      'Props.f: the spec has a row for a prop Props does not declare',
    ]);
  });

  test("a dependency's prop keeps its @default, and a default of the construct's own is stated in the README", () => {
    expect(check({}, { retries: {}, age: { default: 7 } })).toEqual([
      "Props.age: @default '6' does not start with '7' (an inherited prop: set readmeDefault to where the README states the default)",
    ]);
    expect(check({}, { retries: { default: 3, readmeDefault: '3 retries' } })).toEqual([
      "Props.retries: readmeDefault '3 retries' but the README has no section '## Fake'",
    ]);
  });
});
