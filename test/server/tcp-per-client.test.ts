/** One client address cannot take every TCP slot: tcpMaxConnectionsPerClient. */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, makeQuery } from '../helpers/dns-client.js';
import { poll } from '../helpers/poll.js';
import { frame, type Listeners, rawConnect, startListeners } from './harness.js';

let srv: Listeners | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

/** One framed query over a connection made from `localAddress`; resolves with the answer. */
function askFrom(port: number, localAddress: string, id: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress });
    let buf = Buffer.alloc(0);
    s.on('error', reject);
    s.on('connect', () => s.write(frame(makeQuery('a.example', { id }))));
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        s.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    s.on('close', () => reject(new Error('closed before an answer')));
  });
}

describe('tcpMaxConnectionsPerClient', () => {
  it('closes one client address over its share, while another address is still served', async () => {
    srv = await startListeners({
      tcpMaxConnections: 10,
      tcpMaxConnectionsPerClient: 2,
      tcpIdleTimeoutMs: 5000,
    });
    const a = await rawConnect(srv.port);
    const b = await rawConnect(srv.port);
    const c = await rawConnect(srv.port);
    await c.closed;
    expect(srv.metrics.value('tcp_connections_rejected')).toBe(1);
    // Another client (127.0.0.2 is loopback too) is not locked out.
    expect(decode(await askFrom(srv.port, '127.0.0.2', 9)).id).toBe(9);
    // The first client gets its slot back once one of its connections closes.
    a.sock.destroy();
    await a.closed;
    const s = srv;
    await poll('the server to drop the closed connection', () => s.tcp.connections() === 1);
    expect(decode(await askFrom(s.port, '127.0.0.1', 11)).id).toBe(11);
    b.sock.destroy();
  });
});
