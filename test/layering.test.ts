import * as fs from 'fs';
import * as path from 'path';
import { ESLint, Linter, loadESLint } from 'eslint';

/**
 * The directions of dependency (ARCHITECTURE.md) are eslint rules (.projenrc.ts:
 * `import/no-restricted-paths` zones and `import/no-cycle`), so `projen eslint` fails on a wrong import.
 * A snippet of imports is linted as if it were the content of a real file of src/, and each import
 * must be reported (banned) or not (allowed); the unchanged files are the negative control.
 */
const ROOT = path.join(__dirname, '..');
const LAYERING_RULES = ['import/no-restricted-paths', 'import/no-cycle'];

/** For a file of src/, imports its layer forbids and imports it may make. */
const CASES: Record<string, { banned: string[]; allowed: string[] }> = {
  'src/cli/main.ts': {
    banned: ['aws-cdk-lib', 'constructs', '../common/validation', '../index', '../stream-processor', '../aurora-iam-function/runtime'],
    allowed: ['./options', './dlq/queue', '@aws-sdk/client-lambda', 'fs'],
  },
  'src/cli/dlq/queue.ts': {
    banned: ['aws-cdk-lib/aws-sqs', '../../durable-subscriber'],
    allowed: ['../options', './targets'],
  },
  'src/aurora-iam-function/runtime/tls.ts': {
    banned: ['aws-cdk-lib/aws-rds', 'constructs', '../../common/nag', '../private/spec', '../aurora-iam-function', '../../index', '../../cli/options'],
    allowed: ['./sql', 'pg', '@aws-sdk/rds-signer'],
  },
  'src/aurora-iam-function/db-user.lambda.ts': {
    banned: ['aws-cdk-lib', './aurora-iam-function', './private/spec', '../common/spec'],
    allowed: ['./runtime/sql', './runtime', '@aws-sdk/client-secrets-manager'],
  },
  'src/emr-pipeline/security-group-cleanup.lambda.ts': {
    banned: ['aws-cdk-lib/aws-ec2', './emr-pipeline', '../aurora-iam-function/runtime/sql'],
    allowed: ['@aws-sdk/client-ec2'],
  },
  'src/common/nag.ts': {
    banned: ['../provisioned-function', '../index', '../stream-processor/private/spec', '../cli/options'],
    allowed: ['./validation', 'aws-cdk-lib', 'constructs'],
  },
  'src/stream-processor/stream-processor.ts': {
    banned: ['../provisioned-function/private/spec', '../aurora-iam-function/private/spec'],
    // another construct's public classes, its own helpers, common/
    allowed: ['../provisioned-function', './private/spec', '../common/nag', 'aws-cdk-lib/aws-sqs'],
  },
};

/**
 * The layering rules exactly as the generated .eslintrc.json has them, with its parser, plugins and
 * resolver settings, but without the type-aware parsing the other rules need (a TypeScript program
 * per lint costs most of a minute here; these rules resolve imports by themselves).
 */
function layeringConfig(): ESLint.LegacyOptions['overrideConfig'] {
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, '.eslintrc.json'), 'utf-8').replace(/^\/\/.*\n/, ''));
  const layering = (rules: Linter.RulesRecord = {}): Linter.RulesRecord =>
    Object.fromEntries(Object.entries(rules).filter(([id]) => LAYERING_RULES.includes(id)));
  const overrides = (config.overrides as Array<{ files: string[]; rules?: Linter.RulesRecord }>)
    .map((o) => ({ files: o.files, rules: layering(o.rules) }))
    .filter((o) => Object.keys(o.rules).length > 0);
  const configured = [...Object.keys(layering(config.rules)), ...overrides.flatMap((o) => Object.keys(o.rules))];
  expect(configured.sort()).toEqual([...LAYERING_RULES].sort());
  return {
    root: true,
    parser: config.parser,
    parserOptions: { ecmaVersion: 2022, sourceType: 'module' },
    plugins: config.plugins,
    settings: config.settings,
    rules: layering(config.rules),
    overrides,
  };
}

let eslint: Pick<ESLint, 'lintText' | 'lintFiles'>;
// A real cycle on disk: import/no-cycle finds cycles in the graph of the files as they are on disk.
const CYCLE_DIR = path.join(ROOT, 'src', 'common', `layering-cycle-${process.pid}`);
/** Whether a process runs (a killed run's cycle directory is removed by the next run). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};
beforeAll(async () => {
  for (const leftover of fs.readdirSync(path.dirname(CYCLE_DIR)).filter((d) => /^layering-cycle-\d+$/.test(d))) {
    if (!alive(Number(leftover.split('-').pop()))) fs.rmSync(path.join(path.dirname(CYCLE_DIR), leftover), { recursive: true, force: true });
  }
  fs.mkdirSync(CYCLE_DIR);
  fs.writeFileSync(path.join(CYCLE_DIR, 'a.ts'), "import { b } from './b';\nexport const a = () => b;\n");
  fs.writeFileSync(path.join(CYCLE_DIR, 'b.ts'), "import { a } from './a';\nexport const b = () => a;\n");
  // The project's config is an .eslintrc (projen), which ESLint 9 reads through its legacy class.
  const LegacyESLint = await loadESLint({ useFlatConfig: false });
  eslint = new LegacyESLint({ cwd: ROOT, useEslintrc: false, overrideConfig: layeringConfig() });
});
afterAll(() => fs.rmSync(CYCLE_DIR, { recursive: true, force: true }));

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Layering findings of a lint result, `rule: message` each, by line. */
function layeringFindings(result: ESLint.LintResult): Map<number, string[]> {
  const fatal = result.messages.filter((m) => m.fatal);
  if (fatal.length > 0) throw new Error(`${result.filePath}: ${fatal.map((m) => m.message).join('; ')}`);
  const byLine = new Map<number, string[]>();
  for (const m of result.messages.filter((msg) => LAYERING_RULES.includes(msg.ruleId ?? ''))) {
    byLine.set(m.line, [...byLine.get(m.line) ?? [], `${m.ruleId}: ${m.message}`]);
  }
  return byLine;
}

/** A relative import that no longer resolves (a file renamed since this test was written) would go unreported. */
const resolves = (file: string, specifier: string) => !specifier.startsWith('.')
  || ['.ts', '/index.ts'].some((ext) => fs.existsSync(path.resolve(ROOT, path.dirname(file), specifier + ext)));

test.each(Object.entries(CASES))('%s: the banned imports are reported, the allowed ones are not', async (file, { banned, allowed }) => {
  const specifiers = [...banned, ...allowed];
  expect(specifiers.filter((s) => !resolves(file, s))).toEqual([]);
  const code = specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n') + `\nexport const used = [${specifiers.map((_s, i) => `m${i}`).join(', ')}];\n`;
  const findings = layeringFindings((await eslint.lintText(code, { filePath: path.join(ROOT, file) }))[0]);

  const reported = Object.fromEntries(specifiers.map((s, i) => [s, findings.get(i + 1) ?? []]));
  expect(reported).toEqual(Object.fromEntries([
    ...banned.map((s) => [s, [expect.stringMatching(new RegExp(`^import/no-restricted-paths: Unexpected path "${escape(s)}" imported in restricted zone\\. .*ARCHITECTURE`))]]),
    ...allowed.map((s) => [s, []]),
  ]));
});

test('an import cycle in src/ is reported by import/no-cycle', async () => {
  const results = await eslint.lintFiles([path.join(CYCLE_DIR, 'a.ts'), path.join(CYCLE_DIR, 'b.ts')]);
  expect(results.map((r) => [...layeringFindings(r).values()].flat())).toEqual([
    [expect.stringMatching(/^import\/no-cycle: Dependency cycle detected/)],
    [expect.stringMatching(/^import\/no-cycle: Dependency cycle detected/)],
  ]);
});

test.each([...Object.keys(CASES), 'src/aurora-iam-function/runtime/connection.ts', 'src/durable-subscriber/durable-subscriber.ts', 'src/common/spec.ts', 'src/index.ts'])(
  'the real %s passes', async (file) => {
    expect([...layeringFindings((await eslint.lintFiles([path.join(ROOT, file)]))[0]).values()]).toEqual([]);
  });
