import { z } from 'zod';
import { zodToOpenApi } from '../../../src/common/http/openapi/zod-openapi';
import { GRAPE_BOOLEAN_STRINGS, grapeBoolean } from '../../../src/common/validation/grape-boolean';
import { parseOrThrow } from '../../../src/common/validation/zod.pipe';

const schema = z.strictObject({
  force: grapeBoolean.optional(),
  admin: grapeBoolean.transform((v) => v ?? false),
});

describe("grapeBoolean (Grape's Boolean, dry-types Params::Bool)", () => {
  it.each([
    ['True', true],
    ['TRUE', true],
    ['true', true],
    ['t', true],
    ['T', true],
    ['1', true],
    ['yes', true],
    ['Y', true],
    ['on', true],
    ['False', false],
    ['f', false],
    ['0', false],
    ['no', false],
    ['n', false],
    ['OFF', false],
  ])('reads the string %p as %p', (text, expected) => {
    expect(parseOrThrow(schema, { force: text }).force).toBe(expected);
  });

  it('reads JSON booleans and the numbers 1 and 0', () => {
    expect(parseOrThrow(schema, { force: true, admin: 1 })).toEqual({ force: true, admin: true });
    expect(parseOrThrow(schema, { force: false, admin: 0 })).toEqual({
      force: false,
      admin: false,
    });
  });

  it('lists exactly the 28 strings of dry-types, 14 each way', () => {
    expect(GRAPE_BOOLEAN_STRINGS.size).toBe(28);
    expect([...GRAPE_BOOLEAN_STRINGS.values()].filter(Boolean)).toHaveLength(14);
  });

  it('treats an empty string as not given, as Grape does', () => {
    expect(parseOrThrow(schema, { force: '', admin: '' })).toEqual({ admin: false });
    expect(parseOrThrow(schema, {})).toEqual({ admin: false });
    expect(parseOrThrow(schema, { force: null })).toEqual({ admin: false });
  });

  it.each([['tRuE'], ['2'], [2], ['maybe'], [[true]], [{}]])('refuses %p naming the field', (v) => {
    expect(() => parseOrThrow(schema, { force: v })).toThrow('force is invalid');
  });

  it('is documented as a boolean in OpenAPI', () => {
    const doc = zodToOpenApi(schema) as { properties: Record<string, { type?: string }> };
    expect(doc.properties.force.type).toBe('boolean');
  });
});
