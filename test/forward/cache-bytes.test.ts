/**
 * The forwarding cache is bounded by bytes (`cache.maxBytes`) as well as by entries, and what it
 * counts is what it retains:
 * - a reply that is a slice of a larger buffer is copied, so the cache keeps no receive buffer
 *   alive; the byte count never exceeds maxBytes, and dropping entries gives their bytes back;
 * - the per-entry estimate is not below the heap and buffer bytes an entry really retains
 *   (measured in a child process with `--expose-gc`);
 * - the built server, under a small V8 heap (`--max-old-space-size`) and a small maxBytes, takes
 *   thousands of unique forwarded names with large answers from a fake upstream on loopback:
 *   `privatelink_dns_memory_bytes{part="cache"}` stays within maxBytes throughout, entries are
 *   evicted, and the process stays up.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScannedMessage, scanMessage } from '../../src/dns/relay.js';
import { entryBytes, ResponseCache } from '../../src/resolve/cache.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { poll as waitFor } from '../helpers/poll.js';
import { sample } from '../reload/util.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** An upstream reply for `name`: `strings` TXT strings of 200 bytes each. */
function txtReply(name: string, strings: number): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: 1,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ type: 'TXT', name }],
    answers: [{ type: 'TXT', name, ttl: 300, data: Array.from({ length: strings }, () => 'x'.repeat(200)) }],
  });
}

const settings = (maxBytes: number, maxEntries = 1_000_000) => ({
  maxEntries,
  maxBytes,
  minTtl: 0,
  maxTtl: 86_400,
  negativeTtl: 300,
});

describe('cache bytes', () => {
  it('copies a reply out of a larger buffer, stays within maxBytes and gives bytes back', () => {
    const cache = new ResponseCache(settings(64 * 1024), () => 0);
    const big = Buffer.alloc(65_536);
    let total = 0;
    for (let i = 0; i < 200; i++) {
      const name = `n${i}.example.test`;
      const r = txtReply(name, 2);
      r.copy(big, 1000);
      const slice = big.subarray(1000, 1000 + r.length);
      const scan = scanMessage(slice) as ScannedMessage;
      total += entryBytes(`k${i}`, name, slice, scan);
      cache.put(`k${i}`, name, slice, scan);
      expect(cache.bytes).toBeLessThanOrEqual(64 * 1024);
    }
    expect(total).toBeGreaterThan(64 * 1024); // so the bound did the evicting
    expect(cache.size).toBeLessThan(200);
    const hit = cache.get('k199');
    expect(hit).toBeDefined();
    expect(hit?.reply.buffer.byteLength).toBe(hit?.reply.length); // its own buffer, not `big`
    expect(hit?.reply.equals(txtReply('n199.example.test', 2))).toBe(true);
    cache.deleteWhere(() => true);
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
    // An answer larger than the whole budget is not stored.
    const small = new ResponseCache(settings(16 * 1024), () => 0);
    const huge = txtReply('huge.example.test', 100);
    expect(small.put('h', 'huge.example.test', huge, scanMessage(huge) as ScannedMessage)).toBe(0);
    expect(small.bytes).toBe(0);
  });

  it('keeps an entry without its scan until its first hit, then counts the scan and stays within maxBytes', () => {
    const r = txtReply('a.example.test', 1);
    const scan = scanMessage(r) as ScannedMessage;
    const cache = new ResponseCache(settings(1024 * 1024), () => 0);
    cache.put('a', 'a.example.test', r, scan);
    const stored = cache.bytes;
    expect(stored).toBe(entryBytes('a', 'a.example.test', r));
    expect(stored).toBeLessThan(entryBytes('a', 'a.example.test', r, scan));
    const hit = cache.get('a');
    // The scan made again from the stored bytes is the scan of the reply as it came.
    expect(hit?.scan).toEqual(scan);
    expect(cache.bytes).toBe(entryBytes('a', 'a.example.test', r, scan));
    // Kept from then on: the next hit scans nothing (the same object) and counts nothing more.
    expect(cache.get('a')?.scan).toBe(hit?.scan);
    expect(cache.bytes).toBe(entryBytes('a', 'a.example.test', r, scan));

    // Hits that keep scans evict the least recently used to stay within maxBytes.
    const m0 = txtReply('n00.example.test', 1);
    const budget = 20 * entryBytes('k00', 'n00.example.test', m0);
    const tight = new ResponseCache(settings(budget), () => 0);
    for (let i = 0; i < 20; i++) {
      const name = `n${String(i).padStart(2, '0')}.example.test`;
      const m = txtReply(name, 1);
      tight.put(`k${String(i).padStart(2, '0')}`, name, m, scanMessage(m) as ScannedMessage);
    }
    expect(tight.bytes).toBe(budget);
    expect(tight.size).toBe(20);
    // k19 first: the hits that follow evict the entries not asked for yet, oldest first.
    expect(tight.get('k19')).toBeDefined();
    expect(tight.bytes).toBeLessThanOrEqual(budget);
    expect(tight.get('k00')).toBeUndefined(); // the least recently used went
    expect(tight.get('k18')).toBeDefined();
    expect(tight.bytes).toBeLessThanOrEqual(budget);
    expect(tight.size).toBeLessThan(19);
    expect(tight.get('k19')).toBeDefined(); // the most recently used stay
  });

  it('applies a smaller maxBytes on reload at once', () => {
    const cache = new ResponseCache(settings(1024 * 1024), () => 0);
    for (let i = 0; i < 300; i++) {
      const r = txtReply(`r${i}.example.test`, 3);
      cache.put(`k${i}`, `r${i}.example.test`, r, scanMessage(r) as ScannedMessage);
    }
    expect(cache.bytes).toBeGreaterThan(100 * 1024);
    cache.configure(settings(100 * 1024));
    expect(cache.bytes).toBeLessThanOrEqual(100 * 1024);
    expect(cache.size).toBeGreaterThan(0);
  });

  it('counts each entry as at least what it retains (heap and buffers, measured)', () => {
    // Built code, in a child with gc(): fill a cache with N entries of two sizes and compare.
    const script = `
      const { ResponseCache } = await import(${JSON.stringify(`${ROOT}/dist/resolve/cache.js`)});
      const { scanMessage } = await import(${JSON.stringify(`${ROOT}/dist/dns/relay.js`)});
      const dnsPacket = (await import('dns-packet')).default;
      const out = [];
      for (const [strings, answers] of [[0, 1], [1, 1], [8, 1], [0, 6]]) {
        const replies = [];
        const N = 10000;
        for (let i = 0; i < N; i++) {
          const name = 'name' + i + '.some.example.test';
          const recs = strings
            ? [{ type: 'TXT', name, ttl: 300, data: Array.from({ length: strings }, () => 'y'.repeat(200)) }]
            : Array.from({ length: answers }, (_, k) => ({ type: 'A', name, ttl: 300, data: '192.0.2.' + (k + 1) }));
          replies.push([name, dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: strings ? 'TXT' : 'A', name }], answers: recs })]);
        }
        const cache = new ResponseCache({ maxEntries: 1e7, maxBytes: 2 ** 40, minTtl: 0, maxTtl: 86400, negativeTtl: 300 }, () => 0);
        const keys = replies.map(([name]) => 'f|' + name + '|16|1|0');
        for (const [name, r] of replies) cache.put('f|' + name + '|16|1|0', name, r, scanMessage(r));
        replies.length = 0;
        gc(); gc();
        const stored = process.memoryUsage();
        const countedStored = cache.bytes;
        // A hit keeps the entry's scan from then on.
        for (const k of keys) if (!cache.get(k)) throw new Error('missing ' + k);
        gc(); gc();
        const hit = process.memoryUsage();
        const countedHit = cache.bytes;
        cache.clear();
        gc(); gc();
        const empty = process.memoryUsage();
        const bytes = (m) => (m.heapUsed - empty.heapUsed) + (m.arrayBuffers - empty.arrayBuffers);
        out.push({ strings, answers, counted: countedStored / N, measured: bytes(stored) / N });
        out.push({ strings, answers, counted: countedHit / N, measured: bytes(hit) / N });
      }
      console.log(JSON.stringify(out));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const rows = JSON.parse(r.stdout) as { counted: number; measured: number }[];
    expect(rows).toHaveLength(8);
    for (const row of rows) {
      expect(row.measured).toBeGreaterThan(0);
      expect(row.counted).toBeGreaterThanOrEqual(row.measured);
    }
  }, 120_000);
});

describe('cache bytes in the built server', () => {
  let child: ChildProcess | undefined;
  let up: FakeUpstream | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await up?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stays within cache.maxBytes with a small heap, thousands of unique names and large answers', async () => {
    // Answers of about 1 KB (UDP) and, for every fifth name, 3 KB (over TCP after truncation).
    up = await startFakeUpstream({
      answer: (q) => ({
        answers: [
          {
            type: 'TXT',
            name: q.name,
            ttl: 3600,
            data: Array.from({ length: q.name.startsWith('l') ? 15 : 5 }, () => 'z'.repeat(200)),
          },
        ],
      }),
    });
    dir = mkdtempSync(join(tmpdir(), 'pldns-cache-bytes-'));
    const MAX = 256 * 1024;
    const file = join(dir, 'c.yaml');
    writeFileSync(file, `cache:\n  maxBytes: ${MAX}\n  maxEntries: 1000000\nvpcs: []\n`);
    child = spawn(
      process.execPath,
      [
        '--max-old-space-size=40',
        join(ROOT, 'bin/privatelink-dns'),
        'serve',
        '--config',
        file,
        '--listen',
        '127.0.0.1:0',
        '--admin',
        '127.0.0.1:0',
        '--upstream',
        up.hostPort,
        '--log-level',
        'info',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    const lines = () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
    const dnsPort = await waitFor(
      'listening',
      () => {
        const l = lines().find((j) => typeof j.udp === 'string');
        return l ? Number(String(l.udp).split(':').pop()) : undefined;
      },
      15_000,
    );
    const admin = await waitFor(
      'admin',
      () => lines().find((j) => typeof j.admin === 'string')?.admin,
      15_000,
    );
    const scrape = async () => {
      const text = await (await fetch(`http://${admin}/metrics`)).text();
      return {
        cache: sample(text, 'privatelink_dns_memory_bytes', 'part="cache"'),
        heap: sample(text, 'privatelink_dns_memory_bytes', 'part="heap_used"'),
        entries: sample(text, 'privatelink_dns_cache_entries', ''),
      };
    };

    const sock = createSocket('udp4');
    let answered = 0;
    sock.on('message', () => {
      answered++;
    });
    const N = 5000;
    const seen: number[] = [];
    try {
      for (let i = 0; i < N; i++) {
        const name = `${i % 5 === 0 ? 'l' : 's'}${i}.fwd.test`;
        const q = dnsPacket.encode({
          type: 'query',
          id: i & 0xffff,
          flags: dnsPacket.RECURSION_DESIRED,
          questions: [{ type: 'TXT', name }],
          additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as dnsPacket.Answer],
        });
        sock.send(q, dnsPort, '127.0.0.1');
        // Keep about 50 queries in flight; scrape now and then.
        if (i % 50 === 49) await waitFor('answers', () => answered >= i - 100, 30_000);
        if (i % 1000 === 999) {
          const m = await scrape();
          seen.push(m.cache);
          expect(m.cache).toBeLessThanOrEqual(MAX);
        }
      }
      await waitFor('the last answers', () => answered >= N - 50, 30_000);
    } finally {
      sock.close();
    }
    const m = await scrape();
    expect(m.cache).toBeGreaterThan(0);
    expect(m.cache).toBeLessThanOrEqual(MAX);
    expect(m.heap).toBeGreaterThan(0);
    expect(m.entries).toBeGreaterThan(0);
    expect(m.entries).toBeLessThan(N / 4); // the bytes bound evicted, not maxEntries
    expect(up.count()).toBeGreaterThanOrEqual(N - 50);
    expect(Math.max(...seen)).toBeLessThanOrEqual(MAX);
    expect(child.exitCode).toBe(null);
  }, 120_000);
});
