import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The helper's published types, as a user's TypeScript handler meets them: the compiled
 * lib/aurora-iam-function/runtime/*.d.ts (run `npx projen compile` first; the build does) copied into
 * a fresh project's node_modules, with pg (the optional peer) and @types/node, compiled strict with
 * `skipLibCheck: false`, once with @types/pg and once without. The README says to install @types/pg.
 */
const ROOT = path.join(__dirname, '..', '..');
const RUNTIME = path.join(ROOT, 'lib', 'aurora-iam-function', 'runtime');

// The README's handler, typed rows included.
const HANDLER = `
import { IamDatabaseConnection } from 'cdk-serverless-patterns/lib/aurora-iam-function/runtime';

const db = new IamDatabaseConnection();

export async function handler(event: { orderId: string }): Promise<{ id: string; status: string } | null> {
  const { rows } = await db.query<{ id: string; status: string }>('SELECT id, status FROM orders WHERE id = $1', [event.orderId]);
  return rows[0] ?? null;
}
`;
// Only real pg types make these errors (with \`any\`, each @ts-expect-error is itself an error).
const TYPES_ARE_PG_S = `
import { IamDatabaseConnection } from 'cdk-serverless-patterns/lib/aurora-iam-function/runtime';

export async function misuse(db: IamDatabaseConnection): Promise<void> {
  const result = await db.query<{ status: string }>('SELECT status FROM orders');
  // @ts-expect-error pg's QueryResult has rowCount, not count
  void result.count;
  const client = await db.client();
  // @ts-expect-error pg's Client.query takes a query, not a number
  await client.query(42);
}
`;

let project: string;

function link(name: string): void {
  const target = path.join(project, 'node_modules', name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules', name), target, 'dir');
}

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ['node'],
};
// Parsed declaration files (TypeScript's lib, @types/node) are shared by the three compilations.
const parsed = new Map<string, ts.SourceFile | undefined>();

function compile(files: Record<string, string>, options: { skipLibCheck: boolean }): string[] {
  const names = Object.entries(files).map(([name, text]) => {
    fs.writeFileSync(path.join(project, name), text);
    return path.join(project, name);
  });
  const compilerOptions = { ...OPTIONS, skipLibCheck: options.skipLibCheck };
  const host = ts.createCompilerHost(compilerOptions);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    if (!fileName.includes('/node_modules/')) {
      return getSourceFile(fileName, languageVersion, ...rest);
    }
    if (!parsed.has(fileName)) parsed.set(fileName, getSourceFile(fileName, languageVersion, ...rest));
    return parsed.get(fileName);
  };
  const program = ts.createProgram(names, compilerOptions, host);
  // Every file the handler pulls in is checked (ours, pg's types), except TypeScript's lib and
  // @types/node: every Node.js project has those, and checking them costs seconds.
  const checked = program.getSourceFiles().filter((file) =>
    !program.isSourceFileDefaultLibrary(file) && !file.fileName.includes('/node_modules/@types/node/'));
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...checked.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
  ];
  return diagnostics.map((d) =>
    `${d.file ? path.relative(project, d.file.fileName) : ''} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

beforeAll(() => {
  if (!fs.existsSync(path.join(RUNTIME, 'index.d.ts'))) {
    throw new Error(`${RUNTIME}/index.d.ts is missing: run \`npx projen compile\` before this test`);
  }
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-types-'));
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'handler', private: true }));
  // The published files: package.json and the helper's compiled declarations (copied, not linked,
  // so that nothing resolves from this repository's node_modules).
  const pkg = path.join(project, 'node_modules', 'cdk-serverless-patterns');
  fs.mkdirSync(path.join(pkg, 'lib', 'aurora-iam-function'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
  fs.cpSync(RUNTIME, path.join(pkg, 'lib', 'aurora-iam-function', 'runtime'), { recursive: true });
  link('pg');
  link('@types/node');
});

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

test('without @types/pg, skipLibCheck: false names pg\'s missing declarations, and only them', () => {
  const diagnostics = compile({ 'handler.ts': HANDLER }, { skipLibCheck: false });
  expect(diagnostics).toEqual([
    expect.stringMatching(/^node_modules\/cdk-serverless-patterns\/lib\/aurora-iam-function\/runtime\/connection\.d\.ts TS7016: Could not find a declaration file for module 'pg'/),
  ]);
});

test('without @types/pg, skipLibCheck: true compiles (pg\'s types are then any)', () => {
  expect(compile({ 'handler.ts': HANDLER }, { skipLibCheck: true })).toEqual([]);
});

test('with @types/pg, the handler compiles under skipLibCheck: false, typed with pg\'s own types', () => {
  link('@types/pg');
  expect(compile({ 'handler.ts': HANDLER, 'misuse.ts': TYPES_ARE_PG_S }, { skipLibCheck: false })).toEqual([]);
});
