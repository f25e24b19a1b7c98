// The leak hunt's schema: every kind of sensitive position a payload can have — nested, in arrays and arrays of arrays, in a tagged subtree of any depth, in a recursive tree, and in keys.
import { z } from 'zod';
import { defineSchema, tag, type Sensitivity } from '../../../src/index.js';

interface TreeNode {
  label?: string | undefined;
  condition?: string | undefined;
  children?: TreeNode[] | undefined;
}

/** A recursive node: a public label and a health condition at every depth. */
const Tree: z.ZodType<TreeNode> = z.object({
  label: tag(z.string(), 'public').optional(),
  condition: tag(z.string(), 'special', { kind: 'health' }).optional(),
  get children() {
    return z.array(Tree).optional();
  },
});

export const Hunt = z.object({
  id: tag(z.string(), 'public', { kind: 'identifier' }),
  status: tag(z.string(), 'internal'),
  qty: tag(z.number(), 'public'),
  email: tag(z.string(), 'personal', { kind: 'email' }),
  customer: z.object({
    id: tag(z.string(), 'internal', { kind: 'identifier' }),
    email: tag(z.string(), 'personal', { kind: 'email' }),
    name: tag(z.string(), 'personal', { kind: 'name' }),
    phone: tag(z.string(), 'personal', { kind: 'phone' }),
    ssn: tag(z.string(), 'special', { kind: 'ssn' }),
  }),
  payment: z.object({
    card: tag(z.string(), 'secret', { kind: 'cardNumber' }),
    iban: tag(z.string(), 'personal', { kind: 'iban' }),
  }),
  auth: z.object({
    bearer: tag(z.string(), 'secret', { kind: 'credential' }),
    apiKey: tag(z.string(), 'secret', { kind: 'credential' }),
  }),
  diagnosis: tag(z.string(), 'special', { kind: 'health' }),
  items: z.array(z.object({ sku: tag(z.string(), 'public'), note: tag(z.string(), 'personal', { kind: 'freeText' }) })),
  grid: z.array(z.array(tag(z.string(), 'personal'))),
  /** A tagged subtree: every key and value below it, at any depth, is personal. */
  profile: tag(z.record(z.string(), z.unknown()), 'personal'),
  /** A public record: its keys and values may leave in clear. */
  meta: tag(z.record(z.string(), z.string()), 'public'),
  /** A record whose keys are personal (emails) and whose values are public counts. */
  counts: z.record(tag(z.string(), 'personal', { kind: 'email' }), tag(z.number(), 'public')),
  tree: Tree,
});

/** The hunt schema, case-sensitive as declared. */
export const huntSchema = defineSchema(Hunt);
/** The same schema matching keys regardless of case. */
export const huntSchemaCI = defineSchema(Hunt, { caseInsensitiveKeys: true });

/** The levels the default outbound policies (scrubPII, tokenizeFields, protect here) let pass in clear. */
export const CLEAR_LEVELS: ReadonlySet<Sensitivity> = new Set(['public', 'internal']);
