/**
 * The samples of `privatelink_dns_memory_bytes`: the process's memory as Node reports it, and the
 * parts the server bounds itself (the forwarding cache, forwarded queries in flight).
 */

/**
 * Bytes counted per forwarded query in flight: an estimate (the client's message and the upstream
 * query, at most a few hundred bytes each over UDP, the job with its callbacks and timers, the
 * pending-ID entry), not a measurement; the part is there to show the trend under load.
 */
export const IN_FLIGHT_QUERY_BYTES = 2048;

export type MemoryPart =
  | 'rss'
  | 'heap_used'
  | 'heap_total'
  | 'external'
  | 'array_buffers'
  | 'cache'
  | 'in_flight';

/** What the server itself holds: cache bytes and forwarded queries in flight. */
export interface HeldMemory {
  cacheBytes: number;
  inFlight: number;
}

export function memorySamples(
  held: HeldMemory = { cacheBytes: 0, inFlight: 0 },
): [{ part: MemoryPart }, number][] {
  const m = process.memoryUsage();
  return [
    [{ part: 'rss' }, m.rss],
    [{ part: 'heap_used' }, m.heapUsed],
    [{ part: 'heap_total' }, m.heapTotal],
    [{ part: 'external' }, m.external],
    [{ part: 'array_buffers' }, m.arrayBuffers],
    [{ part: 'cache' }, held.cacheBytes],
    [{ part: 'in_flight' }, held.inFlight * IN_FLIGHT_QUERY_BYTES],
  ];
}
