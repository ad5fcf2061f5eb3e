// serve --workers 2 at start: the workers start on the config as soon as the primary has checked
// it, and the primary's view of health follows; an AZ the config impairs is out of every answer
// from the first one on, and stays out for a worker started again after it died. Runs the built
// CLI (npm test builds first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CW_REGIONAL, cloudwatch, oneVpc } from '../helpers/configs.js';
import { addresses, query } from '../helpers/dns-client.js';
import { poll } from '../helpers/poll.js';
import { alive, type ClusterCli, listeningPort, spawnCluster, stopCluster, workerPids } from './cli.js';

let cli: ClusterCli;
let port = 0;

/** Every address of `n` answers, from queries on fresh sockets (the kernel spreads them). */
async function answered(n: number): Promise<Set<string>> {
  const seen = new Set<string>();
  const all = await Promise.all(Array.from({ length: n }, () => query(port, CW_REGIONAL).then(addresses)));
  for (const a of all) {
    expect(a.length).toBe(2);
    for (const x of a) seen.add(x);
  }
  return seen;
}

beforeAll(async () => {
  cli = spawnCluster('off', { config: oneVpc([cloudwatch()], { impairedAzs: ['us-east-2b'] }) });
  port = await listeningPort(cli);
}, 60_000);

afterAll(() => stopCluster(cli));

describe('serve --workers 2 at start', () => {
  it("leaves the config's impaired AZ out of every worker's answers from the first query", async () => {
    expect(workerPids(cli).size).toBe(2);
    expect([...(await answered(60))].sort()).toEqual(['10.0.1.23', '10.0.3.23']);
  });

  it('starts a worker that died again on the config and health of now', async () => {
    const [, pid] = [...workerPids(cli)][0];
    process.kill(pid, 'SIGKILL');
    // Another worker id: the primary forks a new worker, after a backoff of 1 s.
    await poll(
      () => `a new worker serving:\n${cli.output()}`,
      () => [...workerPids(cli).values()].filter((p) => p !== pid && alive(p)).length === 2,
    );
    expect([...(await answered(60))].sort()).toEqual(['10.0.1.23', '10.0.3.23']);
  });
});
