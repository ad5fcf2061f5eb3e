/**
 * `serve` logs the services and Regions its shipped lists do not know once it has started, one
 * process or a cluster: the single server keeps only its catalog, not the config's endpoints,
 * and reads them for the warnings as the config arrives.
 */
import { describe, expect, it } from 'vitest';
import { type ClusterCli, spawnCluster, stopCluster } from '../cluster/cli.js';
import { cloudwatch, oneVpc } from '../helpers/configs.js';
import { poll } from '../helpers/poll.js';

const config = oneVpc([
  cloudwatch(),
  cloudwatch({
    id: 'vpce-0aaaaaaaaaaaaaaa1',
    service: 'com.amazonaws.us-east-2.monitorin',
    privateDnsEnabled: false,
    interfaces: [{ subnet: 'subnet-0aaa', ipv4: '10.0.1.99' }],
  }),
]);

describe('serve warns about unknown services once started', () => {
  it.each([[1], [2]])('--workers %s', { timeout: 40_000 }, async (workers) => {
    let cli: ClusterCli | undefined;
    try {
      cli = spawnCluster('off', { config, workers });
      const out = cli.output;
      const line = await poll(
        () => `the warning:\n${out()}`,
        () =>
          out()
            .split('\n')
            .find((l) => l.includes('config.unknown-service')),
        15_000,
      );
      expect(out()).toMatch(/listening on 127\.0\.0\.1:\d+/);
      const w = JSON.parse(line);
      expect(w).toMatchObject({ level: 40, code: 'config.unknown-service' });
      expect(w.msg).toContain('com.amazonaws.us-east-2.monitorin');
      expect(w.path).toContain('endpoints[1]');
    } finally {
      await stopCluster(cli);
    }
  });
});
