// The multi-vendor service's data map: its payload schemas and the three vendors it sends to. Read by `fieldguard inventory` and `fieldguard check`.
import { z } from 'zod';
import { tag, type DestinationDeclaration } from 'fieldguard';

export const Order = z.object({
  id: tag(z.string(), 'public'),
  status: tag(z.string(), 'internal'),
  total: tag(z.number(), 'public'),
  customer: z.object({
    id: tag(z.string(), 'internal', { kind: 'identifier' }),
    email: tag(z.email(), 'personal', { kind: 'email', retention: 'P90D', lawfulBasis: 'contract' }),
    name: tag(z.string(), 'personal', { kind: 'name' }),
    phone: tag(z.string(), 'personal', { kind: 'phone' }).optional(),
  }),
  shipTo: tag(z.object({ street: z.string(), city: z.string(), postalCode: z.string() }), 'personal', { kind: 'address' }),
  items: z.array(z.object({ sku: tag(z.string(), 'public'), qty: tag(z.number(), 'public') })),
  diagnosis: tag(z.string(), 'special', { kind: 'health' }).optional(),
});

export const schemas = { Order };

export const destinations: Record<string, DestinationDeclaration> = {
  analytics: {
    vendor: 'Acme Analytics',
    baseUrl: 'https://api.acme-analytics.example',
    region: 'US',
    transfer: 'scc',
    lawfulBasis: 'legitimate_interests',
    purpose: 'product analytics',
    certifications: ['SOC2'],
    rules: { public: 'keep', internal: 'keep', personal: 'tokenize', special: 'hash' },
    receives: ['Order'],
  },
  shipping: {
    vendor: 'ParcelCo',
    baseUrl: 'https://api.parcelco.example',
    region: 'DE',
    lawfulBasis: 'contract',
    purpose: 'delivery',
    rules: { public: 'keep', internal: 'keep' },
    kinds: { name: 'keep', address: 'keep' },
    receives: ['Order'],
  },
  support: {
    vendor: 'HelpDesk Inc',
    baseUrl: 'https://api.helpdesk.example',
    region: 'IE',
    lawfulBasis: 'contract',
    purpose: 'customer support',
    certifications: ['ISO27001'],
    rules: { public: 'keep', internal: 'keep', personal: 'mask' },
    receives: ['Order'],
  },
};
