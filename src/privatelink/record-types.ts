/**
 * The record-type matrix of interface endpoints (privatelink-dns.md §2), in one place: which
 * DnsRecordIpType each IpAddressType allows (checked by rules.ts), and which record types each
 * name form then has (answered by catalog.ts).
 */
import type { DnsRecordIpTypeT, IpAddressTypeT } from '../config/schema.js';

/** The forms of an endpoint's names. */
/** `resource`: the names of resource and service-network endpoints (answered like regional names). */
export type NameForm = 'regional' | 'zonal' | 'private' | 'resource';

/**
 * Which DnsRecordIpType each IpAddressType allows (privatelink-dns.md §2: ipv4 with ipv4 and
 * dualstack endpoints, ipv6 with ipv6 and dualstack, dualstack and service-defined with dualstack).
 */
export const ALLOWED_DNS_RECORD_IP_TYPES: Readonly<Record<IpAddressTypeT, readonly DnsRecordIpTypeT[]>> = {
  ipv4: ['ipv4'],
  ipv6: ['ipv6'],
  dualstack: ['ipv4', 'ipv6', 'dualstack', 'service-defined'],
};

/** Which record types a name form has under a DnsRecordIpType (privatelink-dns.md §2). */
export function recordTypes(t: DnsRecordIpTypeT, form: NameForm): { a: boolean; aaaa: boolean } {
  switch (t) {
    case 'ipv4':
      return { a: true, aaaa: false };
    case 'ipv6':
      return { a: false, aaaa: true };
    case 'dualstack':
      return { a: true, aaaa: true };
    case 'service-defined':
      return form === 'private' ? { a: true, aaaa: false } : { a: true, aaaa: true };
  }
}
