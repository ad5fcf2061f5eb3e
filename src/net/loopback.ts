/** Loopback addresses: the one test of "is this address on this machine's loopback". */
import { parseAddress } from './cidr.js';

/**
 * True for 127.0.0.0/8, ::1 (in any spelling, with or without a zone), IPv4-mapped loopback
 * (::ffff:127.x.x.x) and the name "localhost"; false for anything else, wildcards included.
 */
export function isLoopback(address: string): boolean {
  if (address.toLowerCase() === 'localhost') return true;
  const b = parseAddress(address);
  if (b === null) return false;
  if (b.length === 4) return b[0] === 127;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  if (b[10] === 0xff && b[11] === 0xff) return b[12] === 127; // ::ffff:127.x.x.x
  if (b[10] !== 0 || b[11] !== 0) return false;
  return b[12] === 0 && b[13] === 0 && b[14] === 0 && b[15] === 1; // ::1
}
