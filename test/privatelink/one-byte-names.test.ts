/**
 * The catalog's names are one-byte strings. V8's `Array.prototype.join` makes a two-byte string
 * (twice the memory) when one of its pieces is a "thin" string, one made a property key after it
 * was created: the Region name is one by the time the catalog is built, so every endpoint name
 * took two bytes a character for the catalog's life. Checked on the config as a server loads it
 * (YAML) and as a cluster worker receives it (packed JSON).
 */
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript of the bench, without types
import { configYaml } from '../../bench/lib/records.mjs';
import { parseConfigText } from '../../src/config/load.js';
import { packConfig, unpackConfig } from '../../src/config/packed.js';
import { HealthState } from '../../src/health/state.js';
import { buildCatalog } from '../../src/privatelink/catalog.js';
import { internalized } from '../../src/privatelink/intern.js';

/** True when V8 holds `s` one byte a character (the serializer's tag says which). */
function oneByte(s: string): boolean {
  const b = serialize(s);
  let i = 2; // after the version header
  while (b[i] === 0) i++; // padding before a two-byte string
  return b[i] === 0x22; // '"': one-byte; 'c': two-byte
}

describe('catalog names', () => {
  it('tells one-byte from two-byte strings', () => {
    expect(oneByte('us-east-2')).toBe(true);
    expect(oneByte('us-east-2\u2014')).toBe(false);
  });

  for (const how of ['loaded from YAML', 'received packed'] as const)
    it(`are one-byte strings, ${how}`, () => {
      const loaded = parseConfigText(configYaml(200) as string, 'endpoints.yaml');
      const config = how === 'received packed' ? unpackConfig(packConfig(loaded.config)) : loaded.config;
      const catalog = buildCatalog(config, new HealthState());
      const names: string[] = [];
      for (const ep of catalog.endpoints) {
        names.push(ep.regionalName, ...ep.zonalNames.values());
        for (const itf of ep.interfaces) names.push(itf.healthKey);
      }
      names.push(...catalog.publicNames.keys());
      expect(names.length).toBeGreaterThan(1000);
      expect(names.filter((n) => !oneByte(n))).toEqual([]);
    });

  it('internalized gives the equal string, and the same one each time', () => {
    const a = ['us-', 'west-2'].join('');
    const b = internalized(a);
    expect(b).toBe('us-west-2');
    expect(internalized(['us-west', '-2'].join(''))).toBe(b);
  });
});
