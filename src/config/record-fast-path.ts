/**
 * The schema check of private hosted zone records without zod's per-record cost: a record of the
 * common shapes (values or an alias target, TTL, set identifier, routing fields) is checked by
 * hand against exactly what `HostedZoneRecordSchema` accepts and copied in its output form; any
 * other record is parsed by that schema on its own. A zone's records are taken out of the config
 * checked by the full schema only when every one of them passed: a zone with a bad record goes
 * through the full schema unchanged, so problems keep their messages, paths and positions.
 */
import { type HostedZoneRecordConfig, HostedZoneRecordSchema } from './schema.js';

const TYPES = new Set(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV', 'PTR', 'CAA', 'NAPTR', 'SPF', 'NS', 'SOA']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const intIn = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
const stringIn = (v: unknown, min: number, max: number): v is string =>
  typeof v === 'string' && v.length >= min && v.length <= max;

function aliasOf(v: unknown): HostedZoneRecordConfig['aliasTarget'] | null {
  if (!isObject(v)) return null;
  let n = 0;
  const { dnsName, evaluateTargetHealth, hostedZoneId } = v;
  if (!stringIn(dnsName, 1, 255)) return null;
  n++;
  if (evaluateTargetHealth !== undefined) {
    if (typeof evaluateTargetHealth !== 'boolean') return null;
    n++;
  }
  if (hostedZoneId !== undefined) {
    if (typeof hostedZoneId !== 'string') return null;
    n++;
  }
  if (Object.keys(v).length !== n) return null; // unknown keys, or a key present as undefined
  const out: NonNullable<HostedZoneRecordConfig['aliasTarget']> = {
    dnsName,
    evaluateTargetHealth: evaluateTargetHealth ?? false,
  };
  if (hostedZoneId !== undefined) out.hostedZoneId = hostedZoneId;
  return out;
}

/**
 * The schema's output for a record of the common shapes, or null when the hand check does not
 * decide (another field, a key present as undefined, or a value the schema refuses).
 */
export function fastRecord(v: unknown): HostedZoneRecordConfig | null {
  if (!isObject(v)) return null;
  const { name, type, ttl, values, aliasTarget, setIdentifier, weight, failover, multiValueAnswer } = v;
  if (!stringIn(name, 1, 255) || typeof type !== 'string' || !TYPES.has(type)) return null;
  let n = 2;
  const out = { name, type } as HostedZoneRecordConfig;
  if (ttl !== undefined) {
    if (!intIn(ttl, 0, 2_147_483_647)) return null;
    out.ttl = ttl;
    n++;
  }
  if (values !== undefined) {
    if (!Array.isArray(values) || values.length === 0) return null;
    for (let i = 0; i < values.length; i++) if (typeof values[i] !== 'string') return null;
    out.values = values; // the raw list is not used after the check
    n++;
  }
  if (aliasTarget !== undefined) {
    const a = aliasOf(aliasTarget);
    if (!a) return null;
    out.aliasTarget = a;
    n++;
  }
  if (setIdentifier !== undefined) {
    if (!stringIn(setIdentifier, 1, 128)) return null;
    out.setIdentifier = setIdentifier;
    n++;
  }
  if (weight !== undefined) {
    if (!intIn(weight, 0, 255)) return null;
    out.weight = weight;
    n++;
  }
  if (failover !== undefined) {
    if (failover !== 'PRIMARY' && failover !== 'SECONDARY') return null;
    out.failover = failover;
    n++;
  }
  if (multiValueAnswer !== undefined) {
    if (typeof multiValueAnswer !== 'boolean') return null;
    out.multiValueAnswer = multiValueAnswer;
    n++;
  }
  return Object.keys(v).length === n ? out : null;
}

/** Every record of a list in the schema's output form, or null when one of them fails it. */
export function checkedRecords(list: readonly unknown[]): HostedZoneRecordConfig[] | null {
  const out: HostedZoneRecordConfig[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    let r = fastRecord(list[i]);
    if (!r) {
      const p = HostedZoneRecordSchema.safeParse(list[i]);
      if (!p.success) return null;
      r = p.data;
    }
    out[i] = r;
  }
  return out;
}

/**
 * The raw config with the records of every zone whose records all pass taken out (an empty
 * list in their place), and a function that puts their checked form into the schema's output.
 * `raw` itself is not changed.
 */
export function withoutCheckedRecords(raw: unknown): {
  raw: unknown;
  restore: (config: { privateHostedZones: { records: HostedZoneRecordConfig[] }[] }) => void;
} {
  const none = { raw, restore: () => {} };
  if (!isObject(raw) || !Array.isArray(raw.privateHostedZones)) return none;
  const taken = new Map<number, HostedZoneRecordConfig[]>();
  const zones = raw.privateHostedZones.map((z: unknown, i: number) => {
    if (!isObject(z) || !Array.isArray(z.records) || z.records.length === 0) return z;
    const checked = checkedRecords(z.records);
    if (!checked) return z;
    taken.set(i, checked);
    return { ...z, records: [] };
  });
  if (taken.size === 0) return none;
  return {
    raw: { ...raw, privateHostedZones: zones },
    restore: (config) => {
      for (const [i, records] of taken) config.privateHostedZones[i].records = records;
    },
  };
}
