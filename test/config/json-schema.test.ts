import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText } from '../../src/config/json-schema.js';
import { configJsonSchemaPath } from '../../src/config/paths.js';

describe('schema/config.schema.json', () => {
  it('is current (run `npm run schema` after changing src/config/schema.ts)', () => {
    expect(readFileSync(configJsonSchemaPath(), 'utf8')).toBe(configJsonSchemaText());
  });

  it('describes the config: strict objects, defaults, ranges and enums', () => {
    // biome-ignore lint/suspicious/noExplicitAny: walking a JSON document
    const s = configJsonSchema() as any;
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.additionalProperties).toBe(false);
    expect(s.required ?? []).toEqual([]);
    expect(s.properties.ttl).toMatchObject({ type: 'integer', default: 60, minimum: 0 });
    const vpc = s.properties.vpcs.items;
    expect(vpc.required).toEqual(['id', 'region']);
    const ep = vpc.properties.endpoints.items;
    expect(ep.additionalProperties).toBe(false);
    // service and interfaces depend on the endpoint type: the rules check them (config.endpoint-kind).
    expect(ep.required).toBeUndefined();
    expect(ep.properties.type).toMatchObject({
      enum: ['interface', 'gateway', 'resource', 'service-network'],
      default: 'interface',
    });
    expect(ep.properties.ipAddressType).toMatchObject({
      enum: ['ipv4', 'ipv6', 'dualstack'],
      default: 'ipv4',
    });
    expect(ep.properties.id.pattern).toBe('^vpce-([0-9a-f]{17}|[0-9a-f]{8})$');
    const itf = ep.properties.interfaces.items;
    expect(itf.properties.ipv4.format).toBe('ipv4');
    expect(itf.properties.healthCheck.properties.intervalSeconds).toMatchObject({
      minimum: 1,
      maximum: 3600,
      default: 10,
    });
  });
});
