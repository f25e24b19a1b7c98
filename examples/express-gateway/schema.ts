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

/** A sample order as a client sends it: full of personal data, plus a key the schema does not know. */
export const sampleOrder = {
  id: 'ord_1001',
  status: 'paid',
  total: 42.5,
  customer: { id: 'cus_77', email: 'jane.doe@example.com', name: 'Jane Doe', phone: '+1 415-555-0132' },
  card: '4111 1111 1111 1111',
  items: [{ sku: 'SKU-1', qty: 2, giftNote: 'Happy birthday, Jane!' }],
  diagnosis: 'type 2 diabetes',
  couponCode: 'JANE-VIP',
};
