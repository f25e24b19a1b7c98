// The order schema of the example gateway: every field tagged once, with zod.
import { z } from 'zod';
import { defineSchema, tag } from 'fieldguard';

export const Order = z.object({
  id: tag(z.string(), 'public'),
  status: tag(z.string(), 'internal'),
  total: tag(z.number(), 'public'),
  customer: z.object({
    id: tag(z.string(), 'internal', { kind: 'identifier' }),
    email: tag(z.email(), 'personal', { kind: 'email' }),
    name: tag(z.string(), 'personal', { kind: 'name' }),
    phone: tag(z.string(), 'personal', { kind: 'phone' }).optional(),
  }),
  card: tag(z.string(), 'secret', { kind: 'cardNumber' }).optional(),
  items: z.array(
    z.object({
      sku: tag(z.string(), 'public'),
      qty: tag(z.number().int(), 'public'),
      giftNote: tag(z.string(), 'personal', { kind: 'freeText' }).optional(),
    }),
  ),
  diagnosis: tag(z.string(), 'special', { kind: 'health' }).optional(),
});

/** Compiled once, at start-up; every middleware takes it. */
export const orderSchema = defineSchema(Order);
