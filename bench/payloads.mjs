// Order payloads of ~1 KB, ~10 KB and ~1 MB with 12 sensitive paths per order, and their schema.
import { z } from 'zod';
import { defineSchema, tag } from 'fieldguard';

const Item = z.object({
  sku: tag(z.string(), 'public'),
  qty: tag(z.number(), 'public'),
  price: tag(z.number(), 'public'),
  note: tag(z.string(), 'personal', { kind: 'freeText' }).optional(),
});

export const Order = z.object({
  id: tag(z.string(), 'public'),
  status: tag(z.string(), 'internal'),
  createdAt: tag(z.string(), 'internal'),
  currency: tag(z.string(), 'public'),
  total: tag(z.number(), 'public'),
  customer: z.object({
    id: tag(z.string(), 'internal'),
    email: tag(z.string(), 'personal', { kind: 'email' }),
    name: tag(z.string(), 'personal', { kind: 'name' }),
    phone: tag(z.string(), 'personal', { kind: 'phone' }),
    ssn: tag(z.string(), 'special', { kind: 'ssn' }),
    birthDate: tag(z.string(), 'personal', { kind: 'birthDate' }),
    tier: tag(z.string(), 'internal'),
  }),
  payment: z.object({
    method: tag(z.string(), 'public'),
    card: tag(z.string(), 'secret', { kind: 'cardNumber' }),
    iban: tag(z.string(), 'personal', { kind: 'iban' }),
  }),
  shipTo: z.object({
    street: tag(z.string(), 'personal', { kind: 'address' }),
    city: tag(z.string(), 'personal', { kind: 'address' }),
    postalCode: tag(z.string(), 'personal', { kind: 'postalCode' }),
    country: tag(z.string(), 'public'),
  }),
  ip: tag(z.string(), 'personal', { kind: 'ipAddress' }),
  items: z.array(Item),
  tags: z.array(tag(z.string(), 'public')),
});

/** The 12 sensitive paths of one order, in pino syntax. */
export const PATHS = [
  'customer.email',
  'customer.name',
  'customer.phone',
  'customer.ssn',
  'customer.birthDate',
  'payment.card',
  'payment.iban',
  'shipTo.street',
  'shipTo.city',
  'shipTo.postalCode',
  'ip',
  'items[*].note',
];

export const orderSchema = defineSchema(Order);
export const ordersSchema = defineSchema(z.array(Order));

export function makeOrder(i, items) {
  return {
    id: `ord_${100000 + i}`,
    status: i % 3 === 0 ? 'paid' : 'pending',
    createdAt: '2026-11-29T10:15:30.000Z',
    currency: 'EUR',
    total: 100 + (i % 50) + 0.99,
    customer: {
      id: `cus_${5000 + i}`,
      email: `customer.${i}@example.com`,
      name: `Customer Number ${i}`,
      phone: `+49 30 ${1000000 + i}`,
      ssn: `123-45-${String(1000 + (i % 9000)).padStart(4, '0')}`,
      birthDate: '1984-07-23',
      tier: 'gold',
    },
    payment: { method: 'card', card: '4111 1111 1111 1111', iban: 'DE89370400440532013000' },
    shipTo: { street: `${i} Long Example Street`, city: 'Berlin', postalCode: '10115', country: 'DE' },
    ip: `203.0.113.${i % 250}`,
    items: Array.from({ length: items }, (_, j) => ({
      sku: `SKU-${(i * 7 + j) % 1000}`,
      qty: 1 + (j % 3),
      price: 9.99 + j,
      ...(j % 2 === 0 ? { note: `please leave at the door ${j}` } : {}),
    })),
    tags: ['web', 'promo', 'eu'],
  };
}

export const SIZES = {
  '1 KB': { value: makeOrder(1, 4), many: false },
  '10 KB': { value: makeOrder(2, 70), many: false },
  '1 MB': { value: Array.from({ length: 1000 }, (_, i) => makeOrder(i, 4)), many: true },
};
