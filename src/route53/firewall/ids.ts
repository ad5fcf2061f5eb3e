/** Resolver-style ids for firewall resources named in the config (the same on every run). */
import { createHash } from 'node:crypto';

/** `rslvr-<kind>-` and 17 hex digits from the name: `firewallId('frg', 'baseline')`. */
export function firewallId(kind: 'frg' | 'fdl', name: string): string {
  const hex = createHash('sha256').update(`${kind}\n${name}`).digest('hex').slice(0, 17);
  return `rslvr-${kind}-${hex}`;
}
