// Types that know what was scrubbed: a tag's level carried in a zod schema's type, and the static shape of a scrubbed, masked or tokenized payload.
import type { Kind, Sensitivity } from './tags.js';
import type { FieldSchema } from './define.js';

/**
 * The mark {@link Tagged} puts on a schema's type: its level and kind. It exists in types only;
 * no schema carries it at run time.
 */
export interface TagMark<S extends Sensitivity = Sensitivity, K extends Kind | undefined = Kind | undefined> {
  readonly sensitivity: S;
  readonly kind: K;
}

/**
 * A zod schema whose type carries its tag: what `tag()` returns. It is the schema's own type as
 * well (every method, `z.infer`), so it fits wherever the untagged schema did.
 * @example
 * ```ts
 * const email = tag(z.email(), 'personal', { kind: 'email' }); // Tagged<z.ZodEmail, 'personal', 'email'>
 * ```
 */
export type Tagged<T, S extends Sensitivity = Sensitivity, K extends Kind | undefined = Kind | undefined> = T & { readonly '~fieldguard'?: TagMark<S, K> };

/** `'keep'` the value, `'drop'` it, or `'string'`: replace it with a string (a mask, a token). */
type Act = 'keep' | 'drop' | 'string';

/** How one kind of plan treats a position: by whether its tag is selected, and when no tag covers it. */
interface Mode {
  readonly levels: Sensitivity;
  readonly kinds: Kind;
  /** Whether the selection also names paths, which the type cannot follow: then either action may happen. */
  readonly paths: boolean;
  readonly selected: Act;
  readonly other: Act;
  readonly untagged: Act;
}

type AtLeast<A> = A extends 'public'
  ? Sensitivity
  : A extends 'internal'
    ? 'internal' | 'personal' | 'special' | 'secret'
    : A extends 'personal'
      ? 'personal' | 'special' | 'secret'
      : A extends 'special'
        ? 'special' | 'secret'
        : A extends 'secret'
          ? 'secret'
          : never;

type ListOf<L> = L extends readonly (infer E)[] ? E : L;

/** The levels a selection picks by `sensitivity` and `atLeast`. */
type SelectedLevels<Sel> = (Sel extends { readonly sensitivity: infer L } ? Extract<ListOf<L>, Sensitivity> : never) | (Sel extends { readonly atLeast: infer A } ? AtLeast<A> : never);
/** The kinds a selection picks by `kinds`. */
type SelectedKinds<Sel> = Sel extends { readonly kinds: infer K } ? Extract<ListOf<K>, Kind> : never;
type HasPaths<Sel> = Sel extends { readonly paths: readonly [] } ? false : Sel extends { readonly paths: readonly string[] } ? true : false;

type ModeOf<Sel, Selected extends Act, Other extends Act, Untagged extends Act> = {
  readonly levels: SelectedLevels<Sel>;
  readonly kinds: SelectedKinds<Sel>;
  readonly paths: HasPaths<Sel>;
  readonly selected: Selected;
  readonly other: Other;
  readonly untagged: Untagged;
};

/** What an `untagged` mode does to a value's type: `'drop'` and `'reject'` leave no value, the others keep it. */
type UntaggedAct<U> = U extends 'drop' | 'reject' ? 'drop' : 'keep';

/** The zod definition of a schema type. */
type Def<T> = T extends { readonly _zod: { readonly def: infer D } } ? D : never;
/** The type a zod schema parses to. */
type Output<T> = T extends { readonly _zod: { readonly output: infer O } } ? O : unknown;

/** Wrappers that hold one inner schema at the same payload position. */
type Wrapper = 'optional' | 'nullable' | 'default' | 'prefault' | 'catch' | 'readonly' | 'nonoptional';

/** A schema's own tag, `never` when it has none. */
type OwnMark<T> = '~fieldguard' extends keyof T
  ? NonNullable<T['~fieldguard' & keyof T]> extends TagMark<infer S, infer K>
    ? // A schema tagged twice carries both marks, which meet in no level: its level is then not known to the type.
      [S] extends [never]
      ? TagMark
      : TagMark<S, K>
    : never
  : never;
/** The tag at a position: the outermost one on the schema and its wrappers, else the inherited one. */
type MarkAt<T, Inherited, Depth extends 0[] = []> = [OwnMark<T>] extends [never]
  ? Depth['length'] extends 6
    ? Inherited
    : Def<T> extends { readonly type: Wrapper; readonly innerType: infer I }
      ? MarkAt<I, Inherited, [...Depth, 0]>
      : Inherited
  : OwnMark<T>;

/** The schema under a position's wrappers. */
type Peeled<T, Depth extends 0[] = []> = Depth['length'] extends 6 ? T : Def<T> extends { readonly type: Wrapper; readonly innerType: infer I } ? Peeled<I, [...Depth, 0]> : T;
type IsContainer<T> = Def<Peeled<T>> extends { readonly type: 'object' | 'array' | 'record' | 'union' } ? true : false;

/** What a plan may do at a tagged position: a listed path may select a field its tag does not, so then either action may happen. */
type Decide<M extends Mode, Mark> =
  Mark extends TagMark<infer S, infer K>
    ? (S extends M['levels'] ? M['selected'] : K extends M['kinds'] ? M['selected'] : M['other']) | (M['paths'] extends true ? M['selected'] : never)
    : never;

/** The actions at a position: a container no tag covers is walked into; an untagged leaf follows `untagged`. */
type Acts<T, M extends Mode, Inherited> = IsContainer<T> extends true
  ? ContainerActs<T, M, Inherited>
  : [MarkAt<T, Inherited>] extends [never]
    ? M['untagged']
    : Decide<M, MarkAt<T, Inherited>>;

/**
 * A container is walked into whatever its tag: its tag is inherited by what it holds that has no
 * tag of its own. One its tag would drop stays where something in it is kept (a child tagged
 * `public` under a `personal` object), and is removed when the walk leaves it empty.
 */
type ContainerActs<T, M extends Mode, Inherited> = [MarkAt<T, Inherited>] extends [never]
  ? 'keep'
  :
      | ('drop' extends Decide<M, MarkAt<T, Inherited>> ? (Survives<Value<T, M, Inherited>> extends true ? 'drop' | 'keep' : 'drop') : never)
      | (Exclude<Decide<M, MarkAt<T, Inherited>>, 'drop'> extends never ? never : 'keep');

/** What happens to the keys the sender chose in a record: they carry the record's tag, and are untagged where it has none. */
type KeyActs<T, M extends Mode, Inherited> = [MarkAt<T, Inherited>] extends [never] ? M['untagged'] : Decide<M, MarkAt<T, Inherited>>;

/** Whether a walked container may keep something. */
type Survives<V> = NonNullable<V> extends readonly (infer E)[] ? ([E] extends [never] ? false : true) : [keyof NonNullable<V>] extends [never] ? false : true;

/** The value at a position, by its schema, after the plan. */
type Value<T, M extends Mode, Inherited> =
  Def<T> extends { readonly type: 'optional'; readonly innerType: infer I }
    ? Value<I, M, MarkAt<T, Inherited>> | undefined
    : Def<T> extends { readonly type: 'nullable'; readonly innerType: infer I }
      ? Value<I, M, MarkAt<T, Inherited>> | null
      : Def<T> extends { readonly type: Wrapper; readonly innerType: infer I }
        ? Value<I, M, MarkAt<T, Inherited>>
        : Def<T> extends { readonly type: 'object'; readonly shape: infer Shape }
          ? ObjectValue<Shape, M, MarkAt<T, Inherited>>
          : Def<T> extends { readonly type: 'array'; readonly element: infer E }
            ? Array<Present<E, M, MarkAt<T, Inherited>>>
            : Def<T> extends { readonly type: 'record'; readonly valueType: infer V }
              ? Exclude<KeyActs<T, M, Inherited>, 'drop'> extends never
                ? Record<string, never>
                : Record<string, Present<V, M, MarkAt<T, Inherited>>>
              : Def<T> extends { readonly type: 'union'; readonly options: readonly (infer O)[] }
                ? O extends unknown
                  ? Value<O, M, MarkAt<T, Inherited>>
                  : never
                : Leaf<T, Acts<T, M, Inherited>>;

/** A leaf's value: its own type where kept, `string` where masked or tokenized. */
type Leaf<T, A> = ('keep' extends A ? Output<T> : never) | ('string' extends A ? string : never);

/** An element's or entry's value, `never` where every one is dropped. */
type Present<T, M extends Mode, Inherited> = Exclude<Acts<T, M, Inherited>, 'drop'> extends never ? never : Value<T, M, Inherited>;

type IsOptionalKey<T> = Def<T> extends { readonly type: 'optional' } ? true : false;
/** Keys always there: kept by every action the plan may take, and not optional in the schema. */
type RequiredKeys<Shape, M extends Mode, Inherited> = {
  [K in keyof Shape]: 'drop' extends Acts<Shape[K], M, Inherited> ? never : IsOptionalKey<Shape[K]> extends true ? never : K;
}[keyof Shape];
/** Keys that may be there: optional in the schema, or dropped by some but not all of the plan's possible actions. */
type OptionalKeys<Shape, M extends Mode, Inherited> = {
  [K in keyof Shape]: Exclude<Acts<Shape[K], M, Inherited>, 'drop'> extends never ? never : K extends RequiredKeys<Shape, M, Inherited> ? never : K;
}[keyof Shape];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ObjectValue<Shape, M extends Mode, Inherited> = Simplify<
  { [K in keyof Shape as K extends RequiredKeys<Shape, M, Inherited> ? K : never]: Value<Shape[K], M, Inherited> } & {
    [K in keyof Shape as K extends OptionalKeys<Shape, M, Inherited> ? K : never]?: Value<Shape[K], M, Inherited>;
  }
>;

/** The zod schema a {@link FieldSchema} was defined from, or the zod schema itself. */
type SchemaType<S> = S extends FieldSchema<infer Z> ? Z : S;

/** The walk of a whole payload, `unknown` when the schema's zod type is not known (JSON Schema, OpenAPI). */
type Payload<S, M extends Mode> = unknown extends SchemaType<S> ? unknown : Value<SchemaType<S>, M, never>;

/** The kind a tag's extra options name, `undefined` when they name none. */
export type KindOf<E> = E extends { readonly kind: infer K extends Kind } ? K : undefined;

/** The default `allow` of scrubbing: public and internal. */
export type DefaultAllow = { readonly sensitivity: readonly ['public', 'internal'] };
/** The default selection of masking and tokenizing: personal and above. */
export type DefaultSelect = { readonly atLeast: 'personal' };

/**
 * The static type of what a vendor receives after scrubbing: fields `Allow` selects are kept,
 * other tagged fields are absent, untagged leaves follow `Untagged` (default `'drop'`: absent).
 * `S` is a zod schema built with `tag()` or the `FieldSchema` made from one.
 * @example
 * ```ts
 * type ForVendor = Scrubbed<typeof Order, { sensitivity: ['public', 'internal'] }>;
 * // { id: string; status: string; customer: { id: string }; … } — no email, no card
 * ```
 */
export type Scrubbed<S, Allow = DefaultAllow, Untagged = 'drop'> = Payload<S, ModeOf<Allow, 'keep', 'drop', UntaggedAct<Untagged>>>;

/**
 * The static type of a masked payload: fields `Select` picks (default: personal and above)
 * become `string`; everything else keeps its type (untagged strings stay strings after the detectors).
 * @example
 * ```ts
 * type Answer = Masked<typeof Order>; // customer.email: string, total: number, …
 * ```
 */
export type Masked<S, Select = DefaultSelect, Untagged = 'scan'> = Payload<S, ModeOf<Select, 'string', 'keep', UntaggedAct<Untagged>>>;

/**
 * The static type of a tokenized payload: fields `Select` picks (default: personal and above)
 * become `string` tokens; other tagged fields keep their type; untagged leaves follow `Untagged`
 * (default `'drop'`: absent).
 * @example
 * ```ts
 * type Stored = Tokenized<typeof Order>; // customer.email: string (a token), no untagged fields
 * ```
 */
export type Tokenized<S, Select = DefaultSelect, Untagged = 'drop'> = Payload<S, ModeOf<Select, 'string', 'keep', UntaggedAct<Untagged>>>;
