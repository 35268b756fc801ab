import * as fs from 'fs';
import * as path from 'path';

/**
 * The AWS API models shipped in the `aws-sdk` v2 package (`apis/<service>-<version>.min.json`): the
 * data the judges and the tests' AWS stand-ins are checked against, written by AWS, not by us.
 */

/** A shape of the minified model: a reference (`shape`), an inline definition, or `{}` (a string). */
export interface Shape {
  readonly shape?: string;
  readonly type?: string;
  readonly required?: string[];
  readonly members?: Record<string, Shape>;
  readonly member?: Shape;
  readonly value?: Shape;
  readonly document?: boolean;
}
export interface Operation { readonly input?: Shape; readonly output?: Shape }
export interface Model {
  readonly metadata: { readonly serviceId: string; readonly uid: string };
  readonly operations: Record<string, Operation>;
  readonly shapes: Record<string, Shape>;
}

const APIS_DIR = path.join(path.dirname(require.resolve('aws-sdk/package.json')), 'apis');
const models = new Map<string, Model>();

/** One model by its file's stem, e.g. `elasticmapreduce-2009-03-31`. */
export function apiModel(uid: string): Model {
  let model = models.get(uid);
  if (!model) {
    model = JSON.parse(fs.readFileSync(path.join(APIS_DIR, `${uid}.min.json`), 'utf-8')) as Model;
    models.set(uid, model);
  }
  return model;
}

/** An empty structure: the output of an operation the model gives none. */
export const EMPTY_STRUCTURE: Shape = { type: 'structure', members: {} };

/** `spec` with a reference to a named shape followed. */
export function resolveShape(model: Model, spec: Shape): Shape {
  return spec.shape ? model.shapes[spec.shape] : spec;
}

/** How a checked value may differ from plain JSON. */
export interface ValueCheckOptions {
  /**
   * Check the value as a Step Functions `Parameters` block: a key `X.$` names member `X` whose value
   * is chosen at run time (so only its name is checked), members are PascalCase (Step Functions
   * capitalises every API member, e.g. SFN's `executionArn` is `ExecutionArn`) and required members
   * must be present.
   */
  readonly parameters?: boolean;
  /** Strings standing for values CloudFormation fills in (they may be of any scalar type). */
  readonly placeholders?: ReadonlySet<string>;
}

/** A member name as Step Functions' AWS SDK integrations spell it: PascalCase. */
export const pascalCase = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** The members of a structure keyed by the name the caller uses (PascalCase for Step Functions). */
export function memberNames(shape: Shape, pascal: boolean): Map<string, string> {
  return new Map(Object.keys(shape.members ?? {}).map((m) => [pascal ? pascalCase(m) : m, m]));
}

/** ` (did you mean X?)` when a member differs from `name` only in case. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const match = [...candidates].find((c) => c.toLowerCase() === name.toLowerCase());
  return match ? ` (did you mean ${match}?)` : '';
}

/** Paths in `value` that `spec` does not define, whose type differs, or (for parameters) that are missing. */
export function shapeViolations(model: Model, spec: Shape, value: unknown, where: string, options: ValueCheckOptions = {}): string[] {
  const shape = resolveShape(model, spec);
  if (typeof value === 'string' && options.placeholders?.has(value)) return [];
  if (shape.document) return [];
  switch (shape.type ?? 'string') {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${where}: expected an object`];
      const names = memberNames(shape, !!options.parameters);
      const given = new Set<string>();
      // (a member set to undefined is absent: the SDK v3 paginators send `NextToken: undefined`)
      const found = Object.entries(value).filter(([, member]) => member !== undefined).flatMap(([key, member]) => {
        const dynamic = !!options.parameters && key.endsWith('.$');
        const name = dynamic ? key.slice(0, -2) : key;
        given.add(name);
        const modelName = names.get(name);
        if (!modelName) return [`${where}.${key}: not a member of the API's shape${didYouMean(name, names.keys())}`];
        return dynamic ? [] : shapeViolations(model, shape.members![modelName], member, `${where}.${key}`, options);
      });
      const missing = options.parameters
        ? (shape.required ?? []).map((m) => pascalCase(m)).filter((m) => !given.has(m)).map((m) => `${where}.${m}: required by the API, missing`)
        : [];
      return [...found, ...missing];
    }
    case 'list':
      return Array.isArray(value)
        ? value.flatMap((item, i) => shapeViolations(model, shape.member!, item, `${where}[${i}]`, options))
        : [`${where}: expected a list`];
    case 'map':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? Object.entries(value).flatMap(([k, v]) => (options.parameters && k.endsWith('.$') ? [] : shapeViolations(model, shape.value!, v, `${where}.${k}`, options)))
        : [`${where}: expected a map`];
    case 'string': case 'blob': return typeof value === 'string' ? [] : [`${where}: expected a string`];
    case 'boolean': return typeof value === 'boolean' ? [] : [`${where}: expected a boolean`];
    case 'integer': case 'long': case 'double': case 'float': return typeof value === 'number' ? [] : [`${where}: expected a number`];
    // (the JSON protocol sends epoch seconds; how Step Functions renders them is not documented)
    case 'timestamp': return typeof value === 'number' || typeof value === 'string' ? [] : [`${where}: expected a timestamp`];
    default: return [`${where}: unhandled shape type ${shape.type}`];
  }
}

/** An operation's request (`input`) or result (`output`) shape; `{}` where the model gives none. */
export function operationShape(model: Model, operation: string, direction: 'input' | 'output'): Shape {
  const op = model.operations[operation];
  if (!op) throw new Error(`the ${model.metadata.serviceId} API model has no operation ${operation}`);
  return op[direction] ?? EMPTY_STRUCTURE;
}

/**
 * Throws unless `value` has only members `spec` defines, of the types it gives: for the tests'
 * stand-ins of AWS requests and results, so that none can drift into the shape the code under test
 * happens to expect.
 */
export function expectModelled(model: Model, spec: Shape, value: unknown, what: string): void {
  const found = shapeViolations(model, spec, value, what);
  if (found.length > 0) throw new Error(`stand-in ${what} is not what the ${model.metadata.serviceId} API defines: ${found.join('; ')}`);
}

let bySdkName: Map<string, string> | undefined;

/**
 * The model for a service as Step Functions' AWS SDK integrations name it
 * (`arn:aws:states:::aws-sdk:<name>:<action>`). Those names are the service id of the model,
 * lower case, without spaces and without a trailing "Service" (the AWS SDK for Java 2.x package
 * names): `sfn` (SFN) is the `states` model, `emr` (EMR) is `elasticmapreduce`, `cloudwatchlogs`
 * (CloudWatch Logs) is `logs`, `databasemigration` (Database Migration Service) is `dms`. Checked
 * against the table of supported services in the Step Functions developer guide
 * (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html).
 * Returns undefined for a name no model has.
 */
export function sdkIntegrationModel(name: string): Model | undefined {
  if (!bySdkName) {
    bySdkName = new Map();
    // File names sort by date within a service, so the newest version of each wins.
    for (const file of fs.readdirSync(APIS_DIR).filter((f) => f.endsWith('.min.json')).sort()) {
      // The metadata opens each file: read its head, not the whole 25 MB of models.
      const fd = fs.openSync(path.join(APIS_DIR, file), 'r');
      const head = Buffer.alloc(2048);
      fs.readSync(fd, head, 0, head.length, 0);
      fs.closeSync(fd);
      const serviceId = /"serviceId":\s*"([^"]+)"/.exec(head.toString('utf-8'))?.[1];
      if (!serviceId) continue;
      const key = serviceId.toLowerCase().replace(/[^a-z0-9]/g, '').replace(/service$/, '');
      bySdkName.set(key, file.slice(0, -'.min.json'.length));
    }
  }
  const uid = bySdkName.get(name);
  return uid ? apiModel(uid) : undefined;
}
