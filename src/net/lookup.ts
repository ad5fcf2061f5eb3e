/**
 * Address lookups that answer IP literals at once. Upstream, listener and client addresses are
 * literals nearly always; only a host name goes through `dns.lookup`.
 */
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { isIP } from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * A dgram/net `lookup` for sockets that send to IP literals (upstream addresses, client addresses
 * from rinfo): answered at once, where dgram's default goes through dns.lookup and a nextTick on
 * every send. Anything else goes to dns.lookup as dgram would.
 */
export function literalLookup(address: string, family: number | LookupOneOptions, cb: LookupCallback): void {
  const fam = isIP(address);
  if (fam !== 0) cb(null, address, fam);
  else dnsLookup(address, family as LookupOneOptions, cb);
}

/** The address of `host`: itself when it is an IP literal, else the first `dns.lookup` answer. */
export async function lookupAddress(host: string): Promise<string> {
  return isIP(host) ? host : (await dnsLookupAsync(host)).address;
}
