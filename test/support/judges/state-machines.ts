import { EMPTY_STRUCTURE, Model, Shape, apiModel, didYouMean, memberNames, pascalCase, resolveShape, sdkIntegrationModel, shapeViolations } from './aws-models';

/**
 * The state-machine judge: every `AWS::StepFunctions::StateMachine` of a template is checked against
 * the Amazon States Language specification (asl-validator) and against the AWS API models (aws-sdk
 * v2's `apis/*.min.json`): each integration task's `Parameters` against the API's request, and every
 * path that reads a task's result against the API's response.
 */

/** The part of asl-validator's documented API used here (it ships no types). */
type AslValidator = (definition: unknown) => { isValid: boolean; errors: { 'Error code': string; 'Message': string }[] };

/** Values for the pseudo parameters a synthesized definition refers to. */
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A definition with CloudFormation's intrinsics replaced, and the placeholder strings it used. */
export interface ResolvedDefinition {
  readonly definition: any;
  /** Strings that stand for values CloudFormation fills in at deploy time. */
  readonly placeholders: ReadonlySet<string>;
}

/** Text for one intrinsic: pseudo parameters get real values, references to resources placeholders. */
function intrinsicText(token: any, placeholders: Set<string>): string {
  let text: string;
  if (typeof token.Ref === 'string' && PSEUDO[token.Ref]) return PSEUDO[token.Ref];
  if (typeof token.Ref === 'string') {
    text = `ref-${token.Ref}`;
  } else if (Array.isArray(token['Fn::GetAtt'])) {
    const [logicalId, attribute] = token['Fn::GetAtt'] as string[];
    text = `arn:aws:states:us-east-1:123456789012:${logicalId}-${attribute}`;
  } else if (Array.isArray(token['Fn::Join'])) {
    const [separator, parts] = token['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => (typeof p === 'string' ? p : intrinsicText(p, placeholders))).join(separator);
  } else {
    text = `token-${placeholders.size}`;
  }
  placeholders.add(text);
  return text;
}

/** Whether `text` (a JSON prefix) ends inside a string literal, given it started outside one. */
function endsInString(text: string, inString: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    if (inString && text[i] === '\\') i++;
    else if (text[i] === '"') inString = !inString;
  }
  return inString;
}

/**
 * Joins literal JSON text and intrinsics into parseable JSON: an intrinsic inside a string becomes
 * its text, one in a value position (a number or list CloudFormation fills in) a quoted placeholder.
 */
function joinJson(parts: unknown[], placeholders: Set<string>): string {
  let json = '';
  let inString = false;
  for (const part of parts) {
    if (typeof part === 'string') {
      json += part;
      inString = endsInString(part, inString);
    } else {
      const text = intrinsicText(part, placeholders);
      json += inString ? text : JSON.stringify(text);
    }
  }
  return json;
}

/**
 * Text split into literal parts and intrinsics at each `${Name}` that `resolve` knows (`Fn::Sub`
 * and `DefinitionSubstitutions` syntax; `${!x}` is the literal `${x}`).
 */
function substituted(text: string, resolve: (name: string) => unknown): unknown[] {
  return text.split(/(\$\{[^}]*\})/).map((piece) => {
    const name = /^\$\{([^}]*)\}$/.exec(piece)?.[1];
    if (name === undefined) return piece;
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    return resolve(name) ?? piece;
  });
}

/** `Fn::Sub`'s names: its variables, else `Ref` (or `Fn::GetAtt` for `Resource.Attribute`). */
function subVariable(variables: Record<string, unknown> = {}) {
  return (name: string): unknown => {
    if (name in variables) return variables[name];
    const [logicalId, attribute] = name.split('.');
    return attribute ? { 'Fn::GetAtt': [logicalId, attribute] } : { Ref: name };
  };
}

/** A `Definition` object with each intrinsic in it replaced by its text. */
function withoutIntrinsics(value: unknown, placeholders: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutIntrinsics(v, placeholders));
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return intrinsicText(value, placeholders);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutIntrinsics(v, placeholders)]));
}

/**
 * The Amazon States Language definition of a synthesized state machine, parsed: its `Definition`,
 * or its `DefinitionString` (text, `Fn::Join` or `Fn::Sub`), with `DefinitionSubstitutions` applied,
 * pseudo parameters resolved and references to other resources replaced by placeholders.
 */
export function resolveDefinition(properties: any): ResolvedDefinition {
  const placeholders = new Set<string>();
  const source = properties.DefinitionString ?? JSON.stringify(withoutIntrinsics(properties.Definition, placeholders));
  let parts: unknown[];
  if (typeof source === 'string') {
    parts = [source];
  } else if (source['Fn::Join']) {
    const [separator, joined] = source['Fn::Join'] as [string, unknown[]];
    parts = joined.flatMap((p, i) => (i === 0 ? [p] : [separator, p]));
  } else if (source['Fn::Sub']) {
    const [text, variables] = Array.isArray(source['Fn::Sub']) ? source['Fn::Sub'] : [source['Fn::Sub']];
    parts = substituted(text, subVariable(variables));
  } else {
    throw new Error(`unexpected DefinitionString: ${JSON.stringify(source).slice(0, 200)}`);
  }
  const substitutions = properties.DefinitionSubstitutions as Record<string, unknown> | undefined;
  if (substitutions) {
    parts = parts.flatMap((p) => (typeof p === 'string' ? substituted(p, (name) => substitutions[name]) : [p]));
  }
  return { definition: JSON.parse(joinJson(parts, placeholders)), placeholders };
}

// ---------------------------------------------------------------------------------------------
// What a task sends and returns: the request and response shapes of its integration.

/** A value's type where it is known: a shape of an API model, or a JSON value the definition wrote. */
type Type =
  | { readonly kind: 'shape'; readonly model: Model; readonly shape: Shape; readonly label: string }
  | { readonly kind: 'object'; readonly members: Record<string, Type | undefined>; readonly label: string }
  | { readonly kind: 'json'; readonly value: unknown; readonly label: string };

interface Integration {
  /** `Resource` as the findings name it. */
  readonly name: string;
  readonly model?: Model;
  readonly request?: Shape;
  /** The task's result, undefined where it is not known. Its members are PascalCase, as Step Functions spells them. */
  readonly result?: Shape;
  /** Findings in `Parameters` that the request shape cannot express. */
  readonly check?: (parameters: any) => string[];
}

export const emr = () => apiModel('elasticmapreduce-2009-03-31');

/** A structure shape with members renamed, replaced or dropped (`undefined`). */
function reshaped(model: Model, spec: Shape | undefined, changes: Record<string, Shape | undefined>, required?: string[]): Shape {
  const shape = resolveShape(model, spec ?? EMPTY_STRUCTURE);
  const members: Record<string, Shape> = { ...shape.members };
  for (const [name, member] of Object.entries(changes)) {
    if (member) members[name] = member;
    else delete members[name];
  }
  return { type: 'structure', members, required: required ?? (shape.required ?? []).filter((m) => m in members) };
}

/**
 * The optimized Amazon EMR integrations: each wraps an EMR API with the differences the Step
 * Functions developer guide lists (https://docs.aws.amazon.com/step-functions/latest/dg/connect-emr.html).
 * The guide says each `.sync` variant is "the same as" its request-response one; that its result is
 * the same too is inferred. `modifyInstanceFleetByName` and `modifyInstanceGroupByName` are not listed:
 * the guide's table and its examples disagree on where `InstanceGroupName` goes. `check` finds what
 * a shape cannot say (a member that must have one value).
 */
export function optimizedEmrIntegration(api: string): { request: Shape; result: Shape; check?: (parameters: any) => string[] } | undefined {
  const model = emr();
  const op = (name: string) => model.operations[name];
  const string: Shape = {};
  switch (api) {
    case 'createCluster': {
      // RunJobFlow's request without Steps, Instances.KeepJobFlowAliveWhenNoSteps required and true;
      // `ClusterId` for `JobFlowId` in the response.
      const input = op('RunJobFlow').input!;
      const instances = resolveShape(model, input.members!.Instances);
      return {
        request: reshaped(model, input, { Steps: undefined, Instances: { ...instances, required: [...(instances.required ?? []), 'KeepJobFlowAliveWhenNoSteps'] } }),
        result: reshaped(model, op('RunJobFlow').output, { JobFlowId: undefined, ClusterId: string }),
        check: (parameters) => (parameters?.Instances?.KeepJobFlowAliveWhenNoSteps === false
          ? ['Parameters.Instances.KeepJobFlowAliveWhenNoSteps: must be true for createCluster']
          : []),
      };
    }
    case 'setClusterTerminationProtection':
      return { request: reshaped(model, op('SetTerminationProtection').input, { JobFlowIds: undefined, ClusterId: string }, ['ClusterId', 'TerminationProtected']), result: EMPTY_STRUCTURE };
    case 'terminateCluster':
      return { request: reshaped(model, op('TerminateJobFlows').input, { JobFlowIds: undefined, ClusterId: string }, ['ClusterId']), result: EMPTY_STRUCTURE };
    case 'addStep': {
      const steps = resolveShape(model, op('AddJobFlowSteps').input!.members!.Steps);
      return {
        request: reshaped(model, op('AddJobFlowSteps').input, { JobFlowId: undefined, Steps: undefined, ClusterId: string, Step: steps.member }, ['ClusterId', 'Step']),
        result: { type: 'structure', members: { StepId: string } },
      };
    }
    case 'cancelStep': {
      const infos = resolveShape(model, op('CancelSteps').output!.members!.CancelStepsInfoList);
      return {
        request: reshaped(model, op('CancelSteps').input, { StepIds: undefined, StepId: string }, ['ClusterId', 'StepId']),
        result: { type: 'structure', members: { CancelStepsInfo: infos.member! } },
      };
    }
    default: return undefined;
  }
}

/** The integration a task's `Resource` names; undefined for one this judge has no model of. */
function integration(resource: string, findings: string[], where: string): Integration | undefined {
  const service = /^arn:aws[a-z-]*:states:::(.+)$/.exec(resource)?.[1];
  if (!service) return undefined;
  const sdk = /^aws-sdk:([^:]+):([^.]+)(\.waitForTaskToken)?$/.exec(service);
  if (sdk) {
    const [, name, action, callback] = sdk;
    const model = sdkIntegrationModel(name);
    if (!model) {
      findings.push(`${where}: no AWS SDK service "${name}" (in ${resource})`);
      return undefined;
    }
    const operation = model.operations[pascalCase(action)];
    const camel = action.charAt(0).toLowerCase() + action.slice(1);
    if (!operation) {
      const near = Object.keys(model.operations).find((o) => o.toLowerCase() === action.toLowerCase());
      findings.push(`${where}: ${model.metadata.serviceId} has no action "${action}"${near ? ` (did you mean ${near.charAt(0).toLowerCase()}${near.slice(1)}?)` : ''}`);
      return undefined;
    }
    if (action !== camel) findings.push(`${where}: actions are camelCase: "${camel}", not "${action}" (in ${resource})`);
    // With a task token the result is what SendTaskSuccess was given, not the API's response.
    const result = callback ? undefined : operation.output ?? EMPTY_STRUCTURE;
    return { name: resource, model, request: operation.input ?? EMPTY_STRUCTURE, result };
  }
  if (service.startsWith('aws-sdk:')) {
    // (Run a Job, `.sync`, is not supported for AWS SDK integrations: developer guide, integrate-optimized.html)
    findings.push(`${where}: ${resource} is not arn:aws:states:::aws-sdk:<service>:<action>[.waitForTaskToken]`);
    return undefined;
  }
  const optimizedEmr = /^elasticmapreduce:([^.]+)(\.sync)?$/.exec(service);
  if (optimizedEmr) {
    const api = optimizedEmrIntegration(optimizedEmr[1]);
    if (!api && !/^modifyInstance(Fleet|Group)ByName$/.test(optimizedEmr[1])) findings.push(`${where}: no optimized EMR integration "${optimizedEmr[1]}"`);
    return api && { name: resource, model: emr(), ...api };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Paths: which values a state reads, and what is known of them.

/** A path's steps (`$.a['b'][0]` is a, b, 0), undefined for a path that is not a plain reference. */
function pathSteps(path: string): (string | number)[] | undefined {
  if (!path.startsWith('$') || path.startsWith('$$')) return undefined;
  const steps: (string | number)[] = [];
  const re = /\.([A-Za-z0-9_-]+)|\['([^']*)'\]|\[(\d+|\*)\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) return undefined; // filters, recursive descent, slices: not judged
    steps.push(m[1] ?? m[2] ?? (m[3] === '*' ? '*' : Number(m[3])));
  }
  return steps;
}

const keyOf = (steps: (string | number)[]) => steps.join('\u0000');

/**
 * What is known of a state's input: for some paths (by their steps), the types the value there can
 * have, from the paths through the machine that reach the state.
 */
type Env = Map<string, { steps: (string | number)[]; types: Map<string, Type> }>;

const typeKey = (t: Type): string => (t.kind === 'shape' ? `shape:${t.label}` : t.kind === 'json' ? `json:${JSON.stringify(t.value)}` : `object:${t.label}:${Object.entries(t.members).map(([k, v]) => `${k}=${v ? typeKey(v) : '?'}`).join(',')}`);

function bind(env: Env, steps: (string | number)[], types: Iterable<Type>): void {
  const key = keyOf(steps);
  const entry = env.get(key) ?? { steps, types: new Map() };
  for (const t of types) entry.types.set(typeKey(t), t);
  if (entry.types.size > 0) env.set(key, entry);
}

/** One step into a type: the member's type, undefined where not known, or an error text. */
function stepInto(type: Type, step: string | number): { type?: Type; error?: string } {
  if (type.kind === 'object') {
    if (typeof step !== 'string' || !(step in type.members)) return { error: `${type.label} has no member ${step}${didYouMean(String(step), Object.keys(type.members))}` };
    return { type: type.members[step] };
  }
  if (type.kind === 'json') {
    const v = type.value as any;
    if (Array.isArray(v)) return typeof step === 'number' || step === '*' ? { type: v.length > 0 ? { kind: 'json', value: v[0], label: `${type.label}[]` } : undefined } : { error: `${type.label} is a list` };
    if (typeof v === 'object' && v !== null) {
      return typeof step === 'string' && step in v ? { type: { kind: 'json', value: v[step], label: `${type.label}.${step}` } } : { error: `${type.label} has no member ${step}${didYouMean(String(step), Object.keys(v))}` };
    }
    return { error: `${type.label} is ${JSON.stringify(v)}, not an object` };
  }
  const shape = resolveShape(type.model, type.shape);
  const named = (s: Shape, label: string): Type => ({ kind: 'shape', model: type.model, shape: s, label });
  if (shape.document) return {};
  switch (shape.type ?? 'string') {
    case 'structure': {
      const names = memberNames(shape, true);
      const member = typeof step === 'string' ? names.get(step) : undefined;
      if (!member) return { error: `${type.label} has no member ${step}${didYouMean(String(step), names.keys())}` };
      return { type: named(shape.members![member], `${type.label}.${step}`) };
    }
    case 'list':
      return typeof step === 'number' || step === '*' ? { type: named(shape.member!, `${type.label}[]`) } : { error: `${type.label} is a list, it has no member ${step}` };
    case 'map': return typeof step === 'string' ? { type: named(shape.value!, `${type.label}.${step}`) } : { error: `${type.label} is a map` };
    default: return { error: `${type.label} is a ${shape.type ?? 'string'}, it has no member ${step}` };
  }
}

/** The types the value at `steps` may have, checking each step; errors go to `errors`. */
function typesAt(env: Env, steps: (string | number)[], errors: Set<string>): Type[] {
  // The longest bound prefix of the path says what is known.
  for (let n = steps.length; n >= 0; n--) {
    const entry = env.get(keyOf(steps.slice(0, n)));
    if (!entry) continue;
    const found: Type[] = [];
    for (const start of entry.types.values()) {
      let type: Type | undefined = start;
      for (const step of steps.slice(n)) {
        const next: { type?: Type; error?: string } = stepInto(type, step);
        if (next.error) errors.add(next.error);
        type = next.type;
        if (!type) break;
      }
      if (type) found.push(type);
    }
    return found;
  }
  return [];
}

/** The environment of the value at `steps` (what InputPath, OutputPath and ItemsPath select). */
function subEnv(env: Env, steps: (string | number)[], errors: Set<string>): Env {
  const result: Env = new Map();
  for (const { steps: bound, types } of env.values()) {
    if (bound.length >= steps.length && keyOf(bound.slice(0, steps.length)) === keyOf(steps)) bind(result, bound.slice(steps.length), types.values());
  }
  bind(result, [], typesAt(env, steps, errors));
  return result;
}

/** `env` with the value at `steps` replaced by one whose environment is `value` (what ResultPath does). */
function placeAt(env: Env, steps: (string | number)[], value: Env): Env {
  const result: Env = new Map();
  for (const { steps: bound, types } of env.values()) {
    const prefix = keyOf(bound.slice(0, Math.min(bound.length, steps.length)));
    // A bound path under or above the written one no longer holds what it held.
    if (prefix !== keyOf(steps.slice(0, Math.min(bound.length, steps.length)))) bind(result, bound, types.values());
  }
  for (const { steps: bound, types } of value.values()) bind(result, [...steps, ...bound], types.values());
  return result;
}

/** Merges `from` into `into`; true when `into` learnt something. */
function join(into: Env, from: Env): boolean {
  let changed = false;
  for (const { steps, types } of from.values()) {
    const before = into.get(keyOf(steps))?.types.size ?? 0;
    bind(into, steps, types.values());
    changed ||= (into.get(keyOf(steps))?.types.size ?? 0) > before;
  }
  return changed;
}

const single = (type: Type | undefined): Env => {
  const env: Env = new Map();
  if (type) bind(env, [], [type]);
  return env;
};

/** Reference paths inside a `.$` value: the value itself, or the arguments of intrinsic functions. */
function referencedPaths(expression: string): string[] {
  if (!expression.startsWith('States.')) return [expression];
  return [...expression.matchAll(/(?<![$\w])\$(?:\.[A-Za-z0-9_-]+|\['[^']*'\]|\[\d+\])*/g)].map((m) => m[0]);
}

// ---------------------------------------------------------------------------------------------
// The walk over the machine.

interface Context {
  readonly machine: string;
  readonly placeholders: ReadonlySet<string>;
  readonly findings: Set<string>;
}

class Judge {
  /** The state being judged, for the names of the values it makes. */
  private current = '';

  constructor(private readonly ctx: Context) {}

  /** Checks a read of `path` by `state` (in `field`) against `env`; returns what is known of the value. */
  private read(env: Env, path: unknown, where: string, field: string): Type[] {
    if (typeof path !== 'string') return [];
    const steps = pathSteps(path);
    if (!steps) return [];
    const errors = new Set<string>();
    const types = typesAt(env, steps, errors);
    for (const e of errors) this.ctx.findings.add(`${where}: ${field} reads ${path}, but ${e}`);
    return types;
  }

  private select(env: Env, path: unknown, where: string, field: string): Env {
    if (path === null) return new Map();
    if (typeof path !== 'string') return env;
    const steps = pathSteps(path);
    if (!steps) return new Map();
    this.read(env, path, where, field);
    return subEnv(env, steps, new Set()); // (errors were reported by the read)
  }

  /** Checks every path of a payload template (Parameters, ItemSelector, ResultSelector); returns its type. */
  private template(env: Env, value: unknown, where: string, field: string, context: Record<string, Type | undefined> = {}): Type {
    const label = `the ${field} of "${this.current}"`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'json', value, label };
    const members: Record<string, Type | undefined> = {};
    for (const [key, member] of Object.entries(value)) {
      if (key.endsWith('.$') && typeof member === 'string') {
        const name = key.slice(0, -2);
        if (member in context) {
          members[name] = context[member];
        } else {
          const paths = referencedPaths(member);
          const types = paths.flatMap((p) => this.read(env, p, where, `${field}.${key}`));
          members[name] = paths.length === 1 && paths[0] === member && types.length === 1 ? types[0] : undefined;
        }
      } else {
        members[key] = this.template(env, member, where, `${field}.${key}`, context);
      }
    }
    return { kind: 'object', members, label };
  }

  private choiceRule(env: Env, rule: any, where: string): void {
    for (const nested of [...(rule.And ?? []), ...(rule.Or ?? []), ...(rule.Not ? [rule.Not] : [])]) this.choiceRule(env, nested, where);
    this.read(env, rule.Variable, where, 'Variable');
    for (const [key, value] of Object.entries(rule)) if (key.endsWith('Path')) this.read(env, value, where, key);
  }

  /** Where a result lands: the state's input with the result at ResultPath. */
  private landed(input: Env, resultPath: unknown, result: Env, where: string): Env {
    if (resultPath === null) return input;
    const steps = pathSteps(typeof resultPath === 'string' ? resultPath : '$');
    if (!steps) {
      this.ctx.findings.add(`${where}: ResultPath ${resultPath} is not a reference path`);
      return new Map();
    }
    return placeAt(input, steps, result);
  }

  private integrationTask(state: any, where: string): Env {
    const resource = typeof state.Resource === 'string' ? state.Resource : '';
    const found: string[] = [];
    const api = integration(resource, found, where);
    found.forEach((f) => this.ctx.findings.add(f));
    if (api?.request && state.Parameters !== undefined) {
      const violations = [
        ...shapeViolations(api.model!, api.request, state.Parameters, 'Parameters', { parameters: true, placeholders: this.ctx.placeholders }),
        ...api.check?.(state.Parameters) ?? [],
      ];
      for (const v of violations) {
        this.ctx.findings.add(`${where}: ${v} (${api.name})`);
      }
    }
    return single(api?.result ? { kind: 'shape', model: api.model!, shape: api.result, label: `the result of ${api.name.replace(/^arn:[^:]+:states:::/, '')}` } : undefined);
  }

  /** The output of one state for an input, and the states it goes to with which output. */
  private step(prefix: string, name: string, state: any, input: Env): { next: string; env: Env }[] {
    const where = `${this.ctx.machine}: state "${prefix}${name}"`;
    this.current = `${prefix}${name}`;
    const out: { next: string; env: Env }[] = [];
    const effective = this.select(input, state.InputPath, where, 'InputPath');
    const finish = (env: Env) => this.select(env, state.OutputPath, where, 'OutputPath');
    const go = (next: unknown, env: Env) => {
      if (typeof next === 'string') out.push({ next, env });
    };
    for (const catcher of state.Catch ?? []) {
      const error: Type = { kind: 'json', value: { Error: 'string', Cause: 'string' }, label: `the error output of "${this.current}"` };
      go(catcher.Next, this.landed(input, catcher.ResultPath, single(error), where));
    }
    switch (state.Type) {
      case 'Choice':
        for (const choice of state.Choices ?? []) {
          this.choiceRule(effective, choice, where);
          go(choice.Next, finish(effective));
        }
        go(state.Default, finish(effective));
        return out;
      case 'Wait':
        this.read(effective, state.SecondsPath, where, 'SecondsPath');
        this.read(effective, state.TimestampPath, where, 'TimestampPath');
        go(state.Next, finish(effective));
        return out;
      case 'Fail':
        this.read(input, state.ErrorPath, where, 'ErrorPath');
        this.read(input, state.CausePath, where, 'CausePath');
        return out;
      case 'Succeed':
        finish(effective);
        return out;
      default:
        break;
    }
    let result: Env;
    if (state.Type === 'Pass') {
      if (state.Parameters !== undefined) result = single(this.template(effective, state.Parameters, where, 'Parameters'));
      else if ('Result' in state) result = single({ kind: 'json', value: state.Result, label: `the Result of "${this.current}"` });
      else result = effective;
    } else if (state.Type === 'Task') {
      // (Parameters of a task are the request: their paths read the input)
      if (state.Parameters !== undefined) this.template(effective, state.Parameters, where, 'Parameters');
      result = this.integrationTask(state, where);
    } else if (state.Type === 'Map') {
      const items = state.ItemsPath === undefined ? typesAt(effective, [], new Set()) : this.read(effective, state.ItemsPath, where, 'ItemsPath');
      const item = items.map((t) => stepInto(t, 0).type).find((t) => t);
      const selector = state.ItemSelector ?? state.Parameters;
      const iteration = selector !== undefined
        ? single(this.template(effective, selector, where, state.ItemSelector ? 'ItemSelector' : 'Parameters', { '$$.Map.Item.Value': item, '$$.Map.Item.Index': undefined }))
        : single(item);
      this.machine(state.ItemProcessor ?? state.Iterator, iteration, `${prefix}${name} > `);
      result = new Map(); // a list of the iterations' outputs: not judged
    } else if (state.Type === 'Parallel') {
      const branchInput = state.Parameters !== undefined ? single(this.template(effective, state.Parameters, where, 'Parameters')) : effective;
      for (const branch of state.Branches ?? []) this.machine(branch, branchInput, `${prefix}${name} > `);
      result = new Map();
    } else {
      return out;
    }
    this.current = `${prefix}${name}`; // (again: a Map's or Parallel's inner states were judged meanwhile)
    if (state.ResultSelector !== undefined) result = single(this.template(result, state.ResultSelector, where, 'ResultSelector'));
    go(state.Next, finish(this.landed(input, state.ResultPath, result, where)));
    return out;
  }

  /** Walks a machine (or a Map's or Parallel's inner one) until what each state can see stops growing. */
  public machine(machine: any, start: Env, prefix = ''): void {
    const states: Record<string, any> = machine?.States ?? {};
    if (machine?.QueryLanguage === 'JSONata') return; // JSONata expressions are not paths
    const inputs = new Map<string, Env>([[machine?.StartAt, start]]);
    const queue: string[] = [machine?.StartAt];
    const visits = new Map<string, number>();
    while (queue.length > 0) {
      const name = queue.shift()!;
      const state = states[name];
      // (a dangling Next is asl-validator's finding; a loop that keeps building new types is cut short)
      if (!state || state.QueryLanguage === 'JSONata' || (visits.get(name) ?? 0) > 20) continue;
      visits.set(name, (visits.get(name) ?? 0) + 1);
      for (const { next, env } of this.step(prefix, name, state, inputs.get(name)!)) {
        const known = inputs.get(next);
        if (!known) inputs.set(next, new Map(env));
        if ((!known || join(known, env)) && !queue.includes(next)) queue.push(next);
      }
    }
  }
}

const aslVerdicts = new Map<string, string[]>();

/**
 * asl-validator's errors for a definition. It builds and compiles its JSON schemas on every call
 * (about 0.2 s here), so verdicts are kept per definition text: the same definition synthesized by
 * several tests of one file is validated once.
 */
function aslErrors(definition: unknown): string[] {
  const text = JSON.stringify(definition);
  let errors = aslVerdicts.get(text);
  if (!errors) {
    // Loaded on first use: most test files judge no state machine and need not load it (ajv, jsonata).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const aslValidator: AslValidator = require('asl-validator');
    // (the validator writes a default QueryLanguage into the states it is given: it gets a copy)
    errors = aslValidator(JSON.parse(text)).errors.map((e) => `ASL ${e['Error code']}: ${e.Message}`);
    aslVerdicts.set(text, errors);
  }
  return errors;
}

/**
 * Findings for every state machine in a synthesized template (an empty list when all are sound):
 * the definition breaks the Amazon States Language; an integration task's `Parameters` name a
 * member the API does not have, nest it wrongly, give a literal of the wrong type or miss a required
 * member; a path reads a member a task's result does not have.
 */
export function stateMachineFindings(template: any): string[] {
  const findings = new Set<string>();
  for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    if (!resource.Properties?.DefinitionString && !resource.Properties?.Definition) continue; // (DefinitionS3Location: not in the template)
    const { definition, placeholders } = resolveDefinition(resource.Properties);
    for (const error of aslErrors(definition)) findings.add(`${logicalId}: ${error}`);
    new Judge({ machine: logicalId, placeholders, findings }).machine(definition, new Map());
  }
  return [...findings];
}
