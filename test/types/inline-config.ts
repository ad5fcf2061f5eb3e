/**
 * Compile-time checks of the API's types, checked by `tsc --noEmit` (part of `npm test`): each
 * `@ts-expect-error` must meet an error, or the type check fails. test/types/api-types.test.ts
 * removes the markers and checks that the errors are the expected ones.
 */
import { type NameInfo, type RunningServer, startServer } from '../../src/index.js';

export async function inlineConfigs(): Promise<RunningServer> {
  const server = await startServer({
    config: {
      vpcs: [
        {
          id: 'vpc-0a1b2c3d4e5f60718',
          region: 'us-east-2',
          subnets: [{ id: 'subnet-0aaa', az: 'us-east-2a', ipv4Cidr: '10.0.1.0/24' }],
          endpoints: [
            {
              service: 'com.amazonaws.us-east-2.sqs',
              // @ts-expect-error misspelt field of an endpoint (privateDnsEnabled)
              privateDnsEnabeld: true,
              interfaces: [{ subnet: 'subnet-0aaa', ipv4: '10.0.1.5' }],
            },
          ],
        },
      ],
    },
    // @ts-expect-error logLevel is one of pino's levels
    logLevel: 'loud',
  });
  // @ts-expect-error ttl is a number
  await server.reload({ ttl: '60' });
  const names: NameInfo[] = server.names();
  // @ts-expect-error kind is regional, zonal or private
  const bad: NameInfo['kind'] = 'public';
  void names;
  void bad;
  return server;
}
