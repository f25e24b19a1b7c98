// Field paths of a schema name the keys the schema names: digit keys that are not array indices stay quoted.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSchema, redactor, tag } from '../../src/index.js';
import { parsePath } from '../../src/schema/path.js';

describe('field paths of digit keys', () => {
  const email = () => tag(z.string(), 'personal', { kind: 'email' });
  const schema = defineSchema(z.object({ x: z.object({ '007': email(), '12': email(), '99999999999999999999': email() }) }));

  it('prints an index only where the key reads back as itself', () => {
    const paths = schema.fields().map((f) => f.path);
    expect(paths).toEqual(['x[12]', 'x["007"]', 'x["99999999999999999999"]']);
    expect(paths.map((p) => parsePath(p))).toEqual([
      [{ key: 'x' }, { key: '12' }],
      [{ key: 'x' }, { key: '007' }],
      [{ key: 'x' }, { key: '99999999999999999999' }],
    ]);
  });

  it('masks the value of a tagged key "007", not the key "7"', () => {
    const line = redactor(schema, { detect: false, serialize: false }).copy({ x: { '007': 'jane@example.com', '7': 'kept', '12': 'bob@example.com' } });
    expect(line).toEqual({ x: { '007': 'j***@example.com', '7': 'kept', '12': 'b***@example.com' } });
  });
});
