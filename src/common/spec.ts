import { Duration, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  DurationUnit, validateDurationRange, validateIntegerAtLeast, validateIntegerRange, validateNumberRange, validateOrder,
} from './validation';

/**
 * Each construct declares its props once, as a private spec (`private/spec.ts` of its folder): one
 * row per prop with its default, kind, range, conflicts and prerequisites. `resolveProps` turns
 * props into a validated, defaulted configuration, and constructors wire resources from that
 * configuration only. The fuzz tests draw their inputs from the same rows, and a test checks that
 * the `@default` of every prop and the README's defaults tables say what the rows say.
 *
 * Tokens pass every check (a value known only at deploy time is never rejected), and a relation
 * between two props is checked only when both are known.
 *
 * What that test (test/common/spec-docs.test.ts) finds: every export of `src/<construct>/private/spec.ts`
 * that has `rows` is a spec; `defineSpec<P>()` names its props interface `P` (whose JSDoc, nested
 * interfaces of `fields` rows included, it reads), and the README section it reads is
 * `## <the class whose constructor takes P>` (for options no constructor takes, such as a factory
 * method's, that of another spec of the same file).
 */

/** What kind of value a prop holds and the range it must be in. */
export type PropKind =
  /** A whole number in [min, max] (no max: at least min). */
  | { readonly kind: 'integer'; readonly min: number; readonly max?: number }
  /** Any finite number in [min, max]; with `step`, only its whole multiples. */
  | { readonly kind: 'number'; readonly min: number; readonly max: number; readonly step?: number }
  /** A whole number of `unit` in [min, max]: the unit AWS counts it in, or aws-cdk-lib converts it to. */
  | { readonly kind: 'duration'; readonly unit: DurationUnit; readonly min: Duration; readonly max?: Duration }
  /** A string matching `pattern`; `expected` says in words what that is (for the error message). */
  | { readonly kind: 'string'; readonly pattern: RegExp; readonly expected: string }
  /** One of a few values (an enum-like class's members, or literal strings). */
  | { readonly kind: 'oneOf'; readonly values: readonly unknown[] }
  /** A flag. */
  | { readonly kind: 'boolean' }
  /** Anything else (a construct, an interface): the spec records its default and relations only. */
  | { readonly kind: 'other' };

/**
 * A log group's retention: one of `logs.RetentionDays` (CloudWatch Logs accepts only those day
 * counts). The numeric enum also maps its numbers back to its names, hence the filter.
 */
export const LOG_RETENTION_DAYS = {
  kind: 'oneOf',
  values: Object.values(logs.RetentionDays).filter((v) => typeof v === 'number'),
} as const satisfies PropKind;

/**
 * One prop's row.
 *
 * @typeParam P the props object the row belongs to
 * @typeParam V the prop's type
 */
export interface PropRule<P, V> {
  readonly kind: PropKind;
  /**
   * The value used when the prop is not given: a constant, or derived from the other props (given
   * the props object the row belongs to, then the construct's whole props), with the defaults of
   * the rows above it already applied.
   * @default - none: the prop stays undefined
   */
  readonly default?: V | ((props: P, root: any) => V | undefined);
  /**
   * The prop's `@default` as its JSDoc says it (the tag's text up to the first line break, e.g.
   * `Duration.hours(1)` or `- none: ...`): required when `default` is derived or not a number,
   * boolean or string, whose text is the value itself.
   * @default - the `default` value printed (`100`, `true`, `live`)
   */
  readonly defaultDoc?: string;
  /**
   * What the README's defaults table says of the default, for a prop the README's table lists:
   * the table row naming the prop must contain this text.
   * @default - the README's table does not list the prop
   */
  readonly readmeDefault?: string;
  /** Props that cannot be given together with this one (paths from the props object's root). */
  readonly conflicts?: readonly string[];
  /** Props that must be given when this one is (paths from the root). */
  readonly requires?: readonly string[];
  /** Known at synth time, this value must be <= each of these (paths from the root, after defaults). */
  readonly atMost?: readonly string[];
  /** A check the kind cannot express (a list, a pattern across props); throws naming `path`. */
  readonly validate?: (value: V, path: string, props: P, root: any) => void;
  /** The rows of an object-valued prop, resolved when it is given. */
  readonly fields?: Spec<V>;
}

/** The rows of a props object: one per prop the construct reads (inherited props it only passes on may be left out). */
export type Spec<P> = { readonly [K in keyof P]?: PropRule<P, NonNullable<P[K]>> };

type SpecKeys<P, S> = keyof S & keyof P;
type DefaultedKeys<P, S> = { [K in SpecKeys<P, S>]: S[K] extends { readonly default: unknown } ? K : never }[SpecKeys<P, S>];
type NestedKeys<P, S> = { [K in SpecKeys<P, S>]: S[K] extends { readonly fields: unknown } ? K : never }[SpecKeys<P, S>];

/**
 * Props after `resolveProps`: every prop with a default is defined, object-valued props with rows
 * of their own are resolved in turn.
 */
export type Resolved<P, S> = Omit<P, DefaultedKeys<P, S> | NestedKeys<P, S>>
  & { readonly [K in Exclude<DefaultedKeys<P, S>, NestedKeys<P, S>>]-?: Exclude<P[K], undefined> }
  & { readonly [K in NestedKeys<P, S>]: S[K] extends { readonly fields: infer F }
    ? Resolved<NonNullable<P[K]>, F> | (K extends DefaultedKeys<P, S> ? never : Extract<P[K], undefined>)
    : never };

/** A construct's spec: its rows, typed with the props they describe (make one with `defineSpec`). */
export interface PropsSpec<P, S extends Spec<P>> {
  readonly rows: S;
  /** Never set: carries `P` so that `resolveProps` knows the props type from the spec alone. */
  readonly propsType?: P;
}

/**
 * Declares the spec of props type `P`: `defineSpec<FooProps>()({ ...rows })`. The rows keep their
 * literal types, so `Resolved` knows which props have defaults.
 */
export function defineSpec<P>(): <S extends Spec<P>>(rows: S) => PropsSpec<P, S> {
  return (rows) => ({ rows });
}

/**
 * Validates `props` against `spec` and returns them with every default applied. Defaults are
 * applied first, row by row (a derived default sees the defaults of the rows above it), then each row is checked, then the
 * relations between rows (`atMost`, `conflicts`, `requires`) on the defaulted values.
 */
export function resolveProps<P extends object, S extends Spec<P>>(spec: PropsSpec<P, S>, props: NoInfer<P>): Resolved<P, S> {
  const resolved = applyDefaults(spec.rows as Spec<P>, props);
  checkRows(spec.rows as Spec<P>, resolved, resolved, '');
  return resolved as unknown as Resolved<P, S>;
}

/**
 * Defaults of one props object, in row order: a derived default sees the props object and the
 * construct's props with the defaults of the rows above it applied (for nested rows, the whole top
 * level's), so a default is written once even where another is derived from it.
 */
function applyDefaults<P extends object>(spec: Spec<P>, props: P, root?: object): P {
  const out: Record<string, unknown> = { ...(props as Record<string, unknown>) };
  for (const [key, rule] of rowsOf(spec)) {
    if (out[key] === undefined && rule.default !== undefined) {
      out[key] = typeof rule.default === 'function' ? (rule.default as (p: P, r: any) => unknown)(out as P, root ?? out) : rule.default;
    }
  }
  for (const [key, rule] of rowsOf(spec)) {
    if (out[key] !== undefined && rule.fields) out[key] = applyDefaults(rule.fields, out[key] as object, root ?? out);
  }
  return out as P;
}

function checkRows<P extends object>(spec: Spec<P>, props: P, root: any, prefix: string): void {
  for (const [key, rule] of rowsOf(spec)) {
    const path = prefix + key;
    const value = (props as Record<string, unknown>)[key];
    if (value === undefined) continue;
    checkKind(path, value, rule.kind);
    for (const other of rule.conflicts ?? []) {
      if (valueAt(root, other) !== undefined) throw new Error(`${path} cannot be combined with ${other}`);
    }
    for (const other of rule.requires ?? []) {
      if (valueAt(root, other) === undefined) throw new Error(`${path} requires ${other}`);
    }
    for (const other of rule.atMost ?? []) {
      validateOrder(path, value as number | Duration, other, valueAt(root, other) as number | Duration | undefined);
    }
    rule.validate?.(value as never, path, props, root);
    if (rule.fields) checkRows(rule.fields, value as object, root, `${path}.`);
  }
}

function checkKind(path: string, value: unknown, kind: PropKind): void {
  switch (kind.kind) {
    case 'integer':
      if (kind.max === undefined) validateIntegerAtLeast(path, value as number, kind.min);
      else validateIntegerRange(path, value as number, kind.min, kind.max);
      return;
    case 'number':
      validateNumberRange(path, value as number, kind.min, kind.max, kind.step);
      return;
    case 'duration':
      validateDurationRange(path, value as Duration, kind.unit, kind.min, kind.max);
      return;
    case 'string':
      if (!Token.isUnresolved(value) && !kind.pattern.test(value as string)) {
        throw new Error(`${path} must be ${kind.expected}, got '${value}'`);
      }
      return;
    case 'oneOf':
      if (!Token.isUnresolved(value) && !kind.values.includes(value)) {
        throw new Error(`${path} must be one of ${kind.values.map(describe).join(', ')}, got ${describe(value)}`);
      }
      return;
    case 'boolean':
    case 'other':
      return;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value && typeof value === 'object' && 'toString' in value && value.toString !== Object.prototype.toString) return String(value);
  return JSON.stringify(value);
}

function rowsOf<P>(spec: Spec<P>): Array<[string, PropRule<P, any>]> {
  return Object.entries(spec as Record<string, PropRule<P, any>>).filter(([, rule]) => rule !== undefined);
}

/** The value at a dotted path (`autoScaling.maxCapacity`) of a props object. */
export function valueAt(props: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o === undefined || o === null ? undefined : (o as Record<string, unknown>)[k]), props);
}
