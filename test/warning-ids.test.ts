import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * Warning ids (`Annotations.of(x).addWarningV2(id, message)`) are API: users acknowledge them by id.
 * One style: `cdk-serverless-patterns:<ConstructClass>:<camelCaseName>`, the id a literal (so that a
 * user can find it in the source), the class one the library exports; the README names no other id.
 */
const SRC = path.join(__dirname, '..', 'src');
const ID_STYLE = /^cdk-serverless-patterns:([A-Z][A-Za-z]+):[a-z][A-Za-z]+$/;

interface WarningId {
  /** The id as written (a template literal's text, substitutions included). */
  readonly id: string;
  /** `none`: an `addWarning` call, which takes no id. */
  readonly form: 'literal' | 'expression' | 'none';
  readonly where: string;
}

const whereIs = (source: ts.SourceFile, node: ts.Node) =>
  `${path.basename(source.fileName)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;

/** The first argument of every `addWarningV2(...)` call in `source`, and every `addWarning(...)`. */
function warningIds(source: ts.SourceFile): WarningId[] {
  const found: WarningId[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'addWarning') {
      found.push({ id: '', form: 'none', where: whereIs(source, node) });
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'addWarningV2') {
      const arg = node.arguments[0];
      const literal = arg !== undefined && ts.isStringLiteralLike(arg);
      const text = arg === undefined ? '' : literal ? arg.text : arg.getText(source).replace(/^`|`$/g, '');
      found.push({ id: text, form: literal ? 'literal' : 'expression', where: whereIs(source, node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Classes a source file exports. */
function exportedClasses(source: ts.SourceFile): string[] {
  return source.statements
    .filter((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name !== undefined
      && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
    .map((s) => s.name!.text);
}

/** What is wrong with each id, one line each (an empty list when all follow the style). */
function nonConforming(ids: readonly WarningId[], classes: readonly string[]): string[] {
  return ids.flatMap(({ id, form, where }) => {
    if (form === 'none') return [`${where}: addWarning has no id: use addWarningV2`];
    if (form === 'expression') return [`${where}: ${id} is not a string literal`];
    const match = ID_STYLE.exec(id);
    if (!match) return [`${where}: ${id} does not match ${ID_STYLE.source}`];
    if (!classes.includes(match[1])) return [`${where}: ${id} does not name an exported class`];
    return [];
  });
}

function sourceFiles(dir: string): ts.SourceFile[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) return [];
    return [ts.createSourceFile(file, fs.readFileSync(file, 'utf-8'), ts.ScriptTarget.Latest, true)];
  });
}

const sources = sourceFiles(SRC);
const ids = sources.flatMap(warningIds);
const classes = sources.flatMap(exportedClasses);

test('the scan sees the warnings of the library', () => {
  expect(new Set(ids.map((w) => w.where.split(':')[0])).size).toBeGreaterThanOrEqual(4);
  expect(ids.map((w) => w.id)).toContain('cdk-serverless-patterns:PipelineSource:codeCommitClosedToNewCustomers');
});

test('every warning id is cdk-serverless-patterns:<ConstructClass>:<camelCaseName>', () => {
  expect(nonConforming(ids, classes)).toEqual([]);
});

test('the ids the README names, its changelog aside, are ids the library emits', () => {
  // (the changelog names renamed ones: `old` -> `new`)
  const readme = fs.readFileSync(path.join(SRC, '..', 'README.md'), 'utf-8').split(/^## Changelog$/m)[0];
  const named = [...readme.matchAll(/`(cdk-serverless-patterns:[A-Za-z]+(?::[A-Za-z]+)?)`/g)].map((m) => m[1]);
  expect(named.filter((id) => !ids.some((w) => w.id === id))).toEqual([]);
});

test('a warning id out of style is reported', () => {
  const source = ts.createSourceFile('fake.ts', [
    'export class FakeConstruct {}',
    "Annotations.of(this).addWarningV2('cdk-serverless-patterns:FakeConstruct:goodName', 'ok');",
    "Annotations.of(this).addWarningV2('cdk-serverless-patterns:fakeConstructBadName', 'no class');",
    "Annotations.of(this).addWarningV2('cdk-serverless-patterns:FakeConstruct:BadName', 'not camelCase');",
    "Annotations.of(this).addWarningV2('cdk-serverless-patterns:NotAClass:name', 'unknown class');",
    'Annotations.of(this).addWarningV2(`cdk-serverless-patterns:FakeConstruct:hook${name}`, \'built\');',
    "Annotations.of(this).addWarning('no id');",
  ].join('\n'), ts.ScriptTarget.Latest, true);
  expect(nonConforming(warningIds(source), exportedClasses(source))).toEqual([
    `fake.ts:3: cdk-serverless-patterns:fakeConstructBadName does not match ${ID_STYLE.source}`,
    `fake.ts:4: cdk-serverless-patterns:FakeConstruct:BadName does not match ${ID_STYLE.source}`,
    'fake.ts:5: cdk-serverless-patterns:NotAClass:name does not name an exported class',
    'fake.ts:6: cdk-serverless-patterns:FakeConstruct:hook${name} is not a string literal',
    'fake.ts:7: addWarning has no id: use addWarningV2',
  ]);
});
