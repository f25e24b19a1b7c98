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

/**
 * How one plan treats a position: the action of each level, the action of each kind that overrides
 * its level (`never` where none does), what a listed path may do (the type cannot follow paths, so
 * wherever a selection names paths either action may happen), and when no tag covers it.
 */
interface Mode {
  readonly level: { readonly [S in Sensitivity]: Act };
  readonly kind: { readonly [K in Kind]: Act };
  readonly extra: Act;
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

/** The mode of a two-rule plan: what `Sel` selects gets `Selected`, other tagged positions `Other`. */
type ModeOf<Sel, Selected extends Act, Other extends Act, Untagged extends Act> = {
  readonly level: { readonly [S in Sensitivity]: S extends SelectedLevels<Sel> ? Selected : Other };
  readonly kind: { readonly [K in Kind]: K extends SelectedKinds<Sel> ? Selected : never };
  readonly extra: HasPaths<Sel> extends true ? Selected : never;
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

/** The action a tag gets by its kind, where the plan names the kind, else by its level. */
type ByTag<M extends Mode, S, K> = K extends Kind ? ([M['kind'][K]] extends [never] ? M['level'][S & Sensitivity] : M['kind'][K]) : M['level'][S & Sensitivity];

/** What a plan may do at a tagged position: a listed path may select a field its tag does not, so then either action may happen. */
type Decide<M extends Mode, Mark> = Mark extends TagMark<infer S, infer K> ? ByTag<M, S, K> | M['extra'] : never;

/** The actions at a position: a container no tag covers is walked into; an untagged leaf follows `untagged`. */
type Acts<T, M extends Mode, Inherited> = IsContainer<T> extends true
  ? ContainerActs<T, M, Inherited>
  : [MarkAt<T, Inherited>] extends [never]
    ? M['untagged'] | M['extra']
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
type KeyActs<T, M extends Mode, Inherited> = [MarkAt<T, Inherited>] extends [never] ? M['untagged'] | M['extra'] : Decide<M, MarkAt<T, Inherited>>;

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

/**
 * What a destination's policy does to a value's type, by its action: kept, dropped, or replaced by a
 * string (a mask, a token, a hash, a ciphertext, format-preserving digits). `generalize` and
 * `shiftDates` write a coarser value (a band, a prefix, a date) or drop one they cannot treat, so a
 * field they touch may be absent, of its own type, or a string.
 */
type PolicyAct<A> = A extends 'keep'
  ? 'keep'
  : A extends 'mask' | 'tokenize' | 'hash' | 'encrypt' | 'fpe'
    ? 'string'
    : A extends 'generalize' | 'shiftDates'
      ? 'keep' | 'string' | 'drop'
      : A extends { readonly action: infer X }
        ? PolicyAct<X>
        : 'drop';

/** The action a policy's table (`rules` or `kinds`) names for a key, `Missing` where it names none. */
type TableAct<Table, Key, Missing extends Act> = Key extends keyof Table
  ? [Exclude<Table[Key], undefined>] extends [never]
    ? Missing
    : PolicyAct<Exclude<Table[Key], undefined>> | (undefined extends Table[Key] ? Missing : never)
  : Missing;
type RulesOf<Decl> = Decl extends { readonly rules: infer R } ? R : {};
type KindsOf<Decl> = Decl extends { readonly kinds: infer K } ? K : {};
/** The actions of a policy's `paths`, `never` when it lists none. */
type PathActs<Decl> = Decl extends { readonly paths: infer P } ? ([keyof P] extends [never] ? never : { [K in keyof P]-?: PolicyAct<Exclude<P[K], undefined>> }[keyof P]) : never;

/**
 * The mode of a destination's policy, as `defineDestinations` compiles it: a listed path first (the
 * type cannot follow paths, so a policy that lists any makes each of their actions possible
 * everywhere), then the kind's action, then the level's; a level not named is dropped; fields no tag
 * covers follow `untagged` (default `'drop'`).
 */
type PolicyMode<Decl> = {
  readonly level: { readonly [S in Sensitivity]: TableAct<RulesOf<Decl>, S, 'drop'> };
  readonly kind: { readonly [K in Kind]: TableAct<KindsOf<Decl>, K, never> };
  readonly extra: PathActs<Decl>;
  readonly untagged: UntaggedAct<Decl extends { readonly untagged: infer U } ? U : 'drop'>;
};

/** The declarations a destinations registry was made from, `unknown` when they are not known to the type. */
type DeclarationsOf<D> = D extends { readonly '~declarations'?: infer X } ? (string extends keyof NonNullable<X> ? unknown : NonNullable<X>) : unknown;

/** The names of the destinations a registry declares, `string` when they are not known to the type. */
export type DestinationName<D> = unknown extends DeclarationsOf<D> ? string : keyof DeclarationsOf<D> & string;

/**
 * The static type of what a destination receives of a payload of schema `S`: its policy (from
 * `defineDestinations`) applied to the schema's type — fields it drops are absent, fields it
 * masks, tokenizes, hashes, encrypts or format-preserves are `string`, fields it keeps keep their
 * type; fields no tag covers are absent unless the destination's `untagged` keeps them. A field a
 * `generalize` or `shiftDates` rule covers may be absent, of its own type, or a string; a policy
 * with `paths` makes each of its path actions possible at every field. `unknown` when the
 * registry's declarations or the schema's zod type are not known to the type (JSON Schema, OpenAPI).
 * `D` is the registry (`typeof destinations`), `N` the destination's name, `S` a zod schema built
 * with `tag()` or the `FieldSchema` made from one.
 * @example
 * ```ts
 * const destinations = defineDestinations({
 *   crm: { vendor: 'Acme CRM', region: 'EU', lawfulBasis: 'contract', purpose: 'support',
 *     rules: { public: 'keep', internal: 'keep', personal: 'tokenize' } },
 * }, { vault });
 * type ToCrm = Outbound<typeof destinations, 'crm', typeof Order>;
 * // { id: string; total: number; customer: { id: string; email: string (a token); … }; … } — no diagnosis, no card
 * ```
 */
export type Outbound<D, N extends DestinationName<D>, S> = unknown extends DeclarationsOf<D> ? unknown : Payload<S, PolicyMode<DeclarationsOf<D>[N & keyof DeclarationsOf<D>]>>;

/** The characters of a key the report writes after a dot; any other key is written `["key"]`. */
type IdentStart = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i' | 'j' | 'k' | 'l' | 'm' | 'n' | 'o' | 'p' | 'q' | 'r' | 's' | 't' | 'u' | 'v' | 'w' | 'x' | 'y' | 'z' | Uppercase<'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i' | 'j' | 'k' | 'l' | 'm' | 'n' | 'o' | 'p' | 'q' | 'r' | 's' | 't' | 'u' | 'v' | 'w' | 'x' | 'y' | 'z'> | '_' | '$';
type IdentPart = IdentStart | '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';
type IsIdentRest<K extends string> = K extends '' ? true : K extends `${infer C}${infer R}` ? (C extends IdentPart ? IsIdentRest<R> : false) : false;
type IsIdent<K extends string> = K extends `${infer C}${infer R}` ? (C extends IdentStart ? IsIdentRest<R> : false) : false;

/** A key appended to a report path as the walk writes it: `a.b`, or `a["b-c"]` for a key that is no identifier. */
type AppendKey<P extends string, K extends string> =
  IsIdent<K> extends true ? (P extends '' ? K : `${P}.${K}`) : K extends `${string}${'"' | '\\'}${string}` ? `${P}[${string}]` : `${P}["${K}"]`;
/** Where a key the sender chose is reported: `*` under the position. */
type AnyKey<P extends string> = P extends '' ? '*' : `${P}.*`;

/** The report paths of the positions of a schema type, from `P` down; past `Depth` (a recursive schema), any path under `P`. */
type PathsOf<T, P extends string, Depth extends 0[]> = Depth['length'] extends 10
  ? P | `${P}${string}`
  : Def<T> extends { readonly type: Wrapper | 'lazy' | 'pipe' }
    ? WrappedPaths<Def<T>, P, [...Depth, 0]>
    : Def<T> extends { readonly type: 'object'; readonly shape: infer Shape }
      ? P | AnyKey<P> | { [K in keyof Shape & string]: PathsOf<Shape[K], AppendKey<P, K>, [...Depth, 0]> }[keyof Shape & string]
      : Def<T> extends { readonly type: 'array'; readonly element: infer E }
        ? P | PathsOf<E, `${P}[*]`, [...Depth, 0]>
        : Def<T> extends { readonly type: 'tuple'; readonly items: infer Items extends readonly unknown[] }
          ? P | `${P}[${number}]` | { [I in keyof Items & `${number}`]: PathsOf<Items[I], `${P}[${I}]`, [...Depth, 0]> }[keyof Items & `${number}`]
          : Def<T> extends { readonly type: 'record'; readonly valueType: infer V }
            ? P | PathsOf<V, AnyKey<P>, [...Depth, 0]>
            : Def<T> extends { readonly type: 'union'; readonly options: readonly (infer O)[] }
              ? P | (O extends unknown ? PathsOf<O, P, [...Depth, 0]> : never)
              : Def<T> extends { readonly type: 'intersection'; readonly left: infer L; readonly right: infer R }
                ? PathsOf<L, P, [...Depth, 0]> | PathsOf<R, P, [...Depth, 0]>
                : P;
/** The paths under a wrapper, a lazy schema (its target) or a pipe (both sides). */
type WrappedPaths<D, P extends string, Depth extends 0[]> = D extends { readonly innerType: infer I }
  ? PathsOf<I, P, Depth>
  : D extends { readonly getter: () => infer G }
    ? PathsOf<G, P, Depth>
    : D extends { readonly in: infer I; readonly out: infer O }
      ? PathsOf<I, P, Depth> | PathsOf<O, P, Depth>
      : P;

/**
 * The paths a report of a payload of schema `S` can name (`ReportField['path']`), in the report's
 * syntax: schema keys joined by dots (`customer.email`), array elements as `[*]`
 * (`items[*].sku`), tuple elements by index (`pair[0]`), a key the sender chose as `*`
 * (`attributes.*`, or `*` at the top for a field the schema does not have), a key that is no
 * identifier as `["a-b"]`; `''` is the payload itself. `string` when the schema's zod type is not
 * known (JSON Schema, OpenAPI). Past ten levels of nesting (a recursive schema) any path under the
 * tenth is allowed.
 * @example
 * ```ts
 * type Path = ReportPath<typeof Order>; // '' | 'id' | 'customer' | 'customer.email' | 'items[*].sku' | '*' | …
 * ```
 */
export type ReportPath<S> = unknown extends SchemaType<S> ? string : PathsOf<SchemaType<S>, '', []>;
