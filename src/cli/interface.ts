/** `privatelink-dns interface set|list`: force one interface's health, or show every interface, via the admin API. */
import { ADMIN_CLIENT_OPTIONS, ADMIN_CLIENT_USAGE, clientOptions } from '../admin/cli-options.js';
import { AdminClientError, adminCall } from '../admin/client.js';
import type { EndpointView, InterfaceView } from '../admin/views.js';
import { parseCli } from './args.js';
import type { CliIo } from './io.js';

export const INTERFACE_USAGE = `Usage: privatelink-dns interface set ENDPOINT_ID AZ (--healthy | --unhealthy | --auto) [options]
       privatelink-dns interface list [ENDPOINT_ID] [options]

Commands:
  set ENDPOINT_ID AZ    override the health of the endpoint's interface in AZ:
                          --unhealthy  left out of regional and private answers
                          --healthy    answered even when its probe or AZ says otherwise
                          --auto       remove the override (back to AZ impairment, probe, static)
  list [ENDPOINT_ID]    every interface with its health and why

Options:
${ADMIN_CLIENT_USAGE}

Example:
  privatelink-dns interface set vpce-099deb00b40f00e22 us-east-2a --unhealthy`;

function line(endpoint: string, i: InterfaceView): string {
  const addr = [i.ipv4, i.ipv6].filter(Boolean).join(',');
  return `${endpoint} ${i.az} ${i.eniId} ${addr} ${i.healthy ? 'healthy' : 'unhealthy'} (${i.reason})`;
}

const INTERFACE_OPTIONS = {
  ...ADMIN_CLIENT_OPTIONS,
  healthy: { type: 'boolean' },
  unhealthy: { type: 'boolean' },
  auto: { type: 'boolean' },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCli('interface', argv, INTERFACE_OPTIONS, io, {
    allowPositionals: true,
    noEnv: ['healthy', 'unhealthy', 'auto'],
  });
  if (!parsed) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${INTERFACE_USAGE}\n`);
    return 0;
  }
  const usage = (msg: string) => {
    io.stderr.write(`privatelink-dns interface: ${msg}\n\n${INTERFACE_USAGE}\n`);
    return 2;
  };
  const [cmd, ...args] = positionals;
  const opts = clientOptions(values);
  const modes = (['healthy', 'unhealthy', 'auto'] as const).filter((k) => values[k]);
  try {
    if (cmd === 'list') {
      if (args.length > 1) return usage('list takes at most one endpoint id');
      if (modes.length) return usage('--healthy, --unhealthy and --auto go with "set"');
      const eps = args[0]
        ? [await adminCall<EndpointView>(opts, 'GET', `/v1/endpoints/${encodeURIComponent(args[0])}`)]
        : (await adminCall<{ endpoints: EndpointView[] }>(opts, 'GET', '/v1/endpoints')).endpoints;
      if (values.json) io.stdout.write(`${JSON.stringify(args[0] ? eps[0] : { endpoints: eps }, null, 2)}\n`);
      else for (const ep of eps) for (const i of ep.interfaces) io.stdout.write(`${line(ep.id, i)}\n`);
      return 0;
    }
    if (cmd !== 'set') return usage(cmd ? `unknown command "${cmd}"` : 'give a command: set or list');
    if (args.length !== 2)
      return usage('set takes an endpoint id and an AZ, e.g. vpce-0123456789abcdef0 us-east-2a');
    if (modes.length !== 1) return usage('give exactly one of --healthy, --unhealthy or --auto');
    const [id, az] = args;
    const healthy = modes[0] === 'auto' ? null : modes[0] === 'healthy';
    const r = await adminCall<InterfaceView & { endpoint: string }>(
      opts,
      'PUT',
      `/v1/endpoints/${encodeURIComponent(id)}/interfaces/${encodeURIComponent(az)}`,
      { healthy },
    );
    if (values.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else io.stdout.write(`${line(r.endpoint, r)}\n`);
    return 0;
  } catch (e) {
    io.stderr.write(`privatelink-dns interface: ${e instanceof AdminClientError ? e.message : String(e)}\n`);
    return 1;
  }
}
