import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * Do the docs say what the specs say? A construct's spec (src/<construct>/private/spec.ts, see
 * src/common/spec.ts) carries, per prop, its default, the text its `@default` starts with
 * (`defaultDoc`) and the text of its README defaults-table row (`readmeDefault`). This module
 * compares them with the props interface's JSDoc (read with the TypeScript compiler) and with the
 * construct's README section, and lists every disagreement, one line each.
 */

/** What the check reads of a spec row (src/common/spec.ts's PropRule). */
export interface DocumentedRow {
  readonly default?: unknown;
  readonly defaultDoc?: string;
  readonly readmeDefault?: string;
  readonly fields?: DocumentedRows;
}
export type DocumentedRows = { readonly [prop: string]: DocumentedRow | undefined };

/** A README section: `## <title>` up to the next `## ` heading. */
export interface ReadmeSection {
  readonly title: string;
  readonly text: string;
}

export interface SpecUnderCheck {
  readonly rows: DocumentedRows;
  /** The props interface the rows describe. */
  readonly propsType: ts.Type;
  readonly checker: ts.TypeChecker;
  /** The construct's README section; undefined when the README has none. */
  readonly readme?: ReadmeSection;
  /** The heading looked for, to name in a mismatch when there is no section. */
  readonly readmeTitle: string;
}

/** Every disagreement between a spec and its docs, one line each. */
export function specMismatches(spec: SpecUnderCheck): string[] {
  const typeName = spec.checker.typeToString(spec.propsType);
  const rows = flattenRows(spec.rows, spec.propsType, spec.checker, []);
  const tableRows = spec.readme ? defaultsTableRows(spec.readme.text) : [];
  const out: string[] = [];
  /** Rows whose readmeDefault no README row naming them contains (reported once, by the first loop). */
  const notInReadme = new Set<FlatRow>();

  for (const row of rows) {
    const label = `${typeName}.${row.path}`;
    if (!row.prop) {
      out.push(`${label}: the spec has a row for a prop ${row.ownerName} does not declare`);
      continue;
    }
    out.push(...jsdocMismatches(label, row.rule, defaultTag(row.prop, spec.checker), inheritedFromDependency(row.prop)));
    const readme = row.rule.readmeDefault;
    if (readme === undefined) continue;
    if (!spec.readme) {
      out.push(`${label}: readmeDefault '${readme}' but the README has no section '## ${spec.readmeTitle}'`);
    } else if (!tableRows.some((cells) => namesProp(cells, row.names) && cells.join(' | ').includes(readme))) {
      notInReadme.add(row);
      out.push(`${label}: readmeDefault '${readme}' is in no defaults-table row of '## ${spec.readme.title}' that names \`${row.path}\``);
    }
  }

  for (const cells of tableRows) {
    const name = /^`([^`]+)`$/.exec(cells[0])?.[1];
    if (name === undefined) continue;
    // a prop by its path: `batchSize`, `autoScaling.maxCapacity`
    const matches = rows.filter((r) => r.path === name);
    if (matches.length === 0 || matches.some((r) => notInReadme.has(r))) continue;
    const line = cells.join(' | ');
    if (!matches.some((r) => r.rule.readmeDefault !== undefined && line.includes(r.rule.readmeDefault))) {
      out.push(`README '## ${spec.readme!.title}' row \`${name}\`: ${matches.map((r) => `${typeName}.${r.path}`).join(', ')} `
        + `has no readmeDefault this row contains (the row: ${line})`);
    }
  }
  return out;
}

/**
 * `@default` against the row's default: one line per disagreement. A prop inherited from a
 * dependency's interface (`lambda.FunctionOptions`) keeps that interface's `@default` (jsii forbids
 * re-declaring it): with no default in the spec, the construct passes it on and the dependency
 * applies that default; with a default of the construct's own, the README must say it.
 */
function jsdocMismatches(label: string, rule: DocumentedRow, doc: string | undefined, inherited: boolean): string[] {
  const expected = expectedDefaultDoc(rule);
  if ('problem' in expected) return [`${label}: ${expected.problem}`];
  if (expected.text !== undefined) {
    const mismatch = doc === undefined
      ? `no @default in its JSDoc (the spec says '${expected.text}')`
      : !startsWithWord(doc, expected.text) ? `@default '${doc}' does not start with '${expected.text}'` : undefined;
    if (mismatch === undefined || (inherited && rule.readmeDefault !== undefined)) return [];
    return [`${label}: ${mismatch}${inherited ? ' (an inherited prop: set readmeDefault to where the README states the default)' : ''}`];
  }
  // No default in the spec: the JSDoc may describe what happens (`- none`, `- a new queue`), not promise a value.
  if (doc !== undefined && !isDescription(doc) && !inherited) {
    return [`${label}: @default '${doc}' states a value, but the spec row has no default (set default or defaultDoc)`];
  }
  return [];
}

/** The text the `@default` must start with, if the row says one. */
function expectedDefaultDoc(rule: DocumentedRow): { text?: string } | { problem: string } {
  if (rule.defaultDoc !== undefined) return { text: rule.defaultDoc };
  const value = rule.default;
  if (value === undefined) return {};
  if (typeof value === 'function') return { problem: 'the default is derived: set defaultDoc to the @default text' };
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return { text: String(value) };
  // A class of aws-cdk-lib that prints itself as its code does (`Duration.hours(1)`).
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && value.toString !== Object.prototype.toString) {
    return { text: String(value) };
  }
  return { problem: `the default is ${Array.isArray(value) ? 'a list' : 'an object'}: set defaultDoc to the @default text` };
}

/** Declared by an interface of a dependency (a .d.ts in node_modules/), not by the library. */
function inheritedFromDependency(prop: ts.Symbol): boolean {
  return (prop.declarations ?? []).every((d) => /[\\/]node_modules[\\/]/.test(d.getSourceFile().fileName));
}

/** `100 ms` starts with `100`, `1000` and `100.5` do not. */
function startsWithWord(doc: string, prefix: string): boolean {
  return doc.startsWith(prefix) && /^($|[\s,;:)]|\.(?!\d))/.test(doc.slice(prefix.length));
}

/** A `@default` that describes rather than states a value: `- none`, `- a new queue`, `none`, `undefined`. */
function isDescription(doc: string): boolean {
  return doc.startsWith('-') || /^(none|undefined)\b/i.test(doc);
}

interface FlatRow {
  /** Dotted path from the props object (`autoScaling.maxCapacity`). */
  readonly path: string;
  /** What a README row may call it: its path, and for a nested row also its own name and its parents' paths. */
  readonly names: readonly string[];
  readonly rule: DocumentedRow;
  readonly prop?: ts.Symbol;
  readonly ownerName: string;
}

function flattenRows(rows: DocumentedRows, type: ts.Type, checker: ts.TypeChecker, parents: readonly string[]): FlatRow[] {
  return Object.entries(rows).flatMap(([key, rule]): FlatRow[] => {
    if (rule === undefined) return [];
    const rowPath = [...parents, key].join('.');
    const prop = checker.getPropertyOfType(type, key);
    const names = [...new Set([rowPath, key, ...parents.map((_p, i) => parents.slice(0, i + 1).join('.'))])];
    const row: FlatRow = { path: rowPath, names, rule, prop, ownerName: checker.typeToString(type) };
    if (!prop || !rule.fields) return [row];
    const declaration = prop.valueDeclaration ?? prop.declarations?.[0];
    const fieldType = checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(prop, declaration!));
    return [row, ...flattenRows(rule.fields, fieldType, checker, [...parents, key])];
  });
}

/** The first line of the prop's `@default` tag. */
function defaultTag(prop: ts.Symbol, checker: ts.TypeChecker): string | undefined {
  const tag = prop.getJsDocTags(checker).find((t) => t.name === 'default');
  return tag === undefined ? undefined : ts.displayPartsToString(tag.text).split('\n')[0].trim();
}

/** A row names a prop when one of its cells has it in backticks, alone or as `prop: value`. */
function namesProp(cells: readonly string[], names: readonly string[]): boolean {
  const spans = cells.flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
  return spans.some((span) => names.some((n) => span === n || new RegExp(`^${n.replace(/\./g, '\\.')}\\s*[:=]`).test(span)));
}

/** The body rows (cells trimmed) of every table of `section` whose header has a `Default` column. */
function defaultsTableRows(section: string): string[][] {
  const tables: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of section.split('\n')) {
    if (line.trimStart().startsWith('|')) {
      current ??= (tables.push([]), tables[tables.length - 1]);
      current.push(splitCells(line));
    } else {
      current = undefined;
    }
  }
  return tables
    .filter((t) => t.length > 2 && t[0].some((cell) => /\bdefault\b/i.test(cell)))
    .flatMap((t) => t.slice(2));
}

/** A table row's cells: split on `|` outside backticks and not escaped. */
function splitCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let code = false;
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '`') code = !code;
    if (c === '|' && !code && body[i - 1] !== '\\') {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += c;
    }
  }
  cells.push(cell.trim());
  return cells;
}

/** `## <title>` up to the next `## `, or undefined. */
export function readmeSection(readme: string, title: string): ReadmeSection | undefined {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${title}`);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return { title, text: lines.slice(start + 1, end < 0 ? undefined : end).join('\n') };
}

/** A spec found in src/: where, its rows, its props type. */
export interface FoundSpec {
  /** `<folder>/private/spec.ts: <EXPORT>` */
  readonly name: string;
  readonly rows: DocumentedRows;
  readonly propsType?: ts.Type;
  /**
   * The construct class whose constructor takes the props, else the one of another spec of the
   * same file, else the props' name without `Props`/`Options`.
   */
  readonly constructName: string;
}

/** The spec files of src/: `src/<folder>/private/spec.ts`. */
export function specFiles(src: string): string[] {
  return fs.readdirSync(src, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(src, d.name, 'private', 'spec.ts'))
    .filter((f) => fs.existsSync(f));
}

/**
 * Every export of the spec files that has `rows` (loaded with `load`), with its props type read
 * from the spec's type (`PropsSpec<P, S>` carries `P` as `propsType`).
 */
export function findSpecs(
  src: string, files: readonly string[], load: (file: string) => Record<string, unknown>,
): { specs: FoundSpec[]; checker: ts.TypeChecker } {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(src, '..', 'tsconfig.json'), {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  })!;
  const indexes = files.map((f) => path.join(path.dirname(path.dirname(f)), 'index.ts')).filter((f) => fs.existsSync(f));
  const program = ts.createProgram([...files, ...indexes], config.options);
  const checker = program.getTypeChecker();

  const specs = files.flatMap((file) => {
    const exported = load(file);
    const source = program.getSourceFile(file)!;
    const moduleSymbol = checker.getSymbolAtLocation(source);
    const index = program.getSourceFile(path.join(path.dirname(path.dirname(file)), 'index.ts'));
    const found = Object.entries(exported)
      .filter(([, value]) => typeof value === 'object' && value !== null && 'rows' in value)
      .map(([exportName, value]) => {
        const symbol = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === exportName);
        const propsType = symbol && propsTypeOf(symbol, checker);
        return {
          name: `${path.relative(src, file)}: ${exportName}`,
          rows: (value as { rows: DocumentedRows }).rows,
          propsType,
          construct: propsType && index && constructTaking(propsType, index, checker),
        };
      });
    // Options of a factory (`StreamSource.newKinesisStream(options)`) no constructor takes are
    // documented with the construct of their spec file.
    const fileConstruct = found.find((f) => f.construct !== undefined)?.construct;
    return found.map(({ construct, ...spec }): FoundSpec => ({
      ...spec,
      constructName: construct ?? fileConstruct
        ?? (spec.propsType ? checker.typeToString(spec.propsType) : spec.name).replace(/(Props|Options)$/, ''),
    }));
  });
  return { specs, checker };
}

/** `P` of a `PropsSpec<P, S>`-typed symbol: the type of its `propsType` member, without undefined. */
function propsTypeOf(symbol: ts.Symbol, checker: ts.TypeChecker): ts.Type | undefined {
  const type = checker.getTypeOfSymbolAtLocation(symbol, symbol.valueDeclaration ?? symbol.declarations![0]);
  const member = type.getProperty('propsType');
  if (!member) return undefined;
  return checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(member, member.valueDeclaration ?? member.declarations![0]));
}

/** The class exported by `index` whose constructor has a parameter of type `props`. */
function constructTaking(props: ts.Type, index: ts.SourceFile, checker: ts.TypeChecker): string | undefined {
  const moduleSymbol = checker.getSymbolAtLocation(index);
  if (!moduleSymbol) return undefined;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.declarations?.some(ts.isExportSpecifier) ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.declarations?.find(ts.isClassDeclaration);
    if (!declaration) continue;
    const signatures = checker.getTypeOfSymbolAtLocation(symbol, declaration).getConstructSignatures();
    const takes = signatures.some((sig) => sig.parameters.some((p) =>
      checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(p, p.valueDeclaration ?? declaration)) === props));
    if (takes) return symbol.name;
  }
  return undefined;
}
