/** `privatelink-dns az impair|restore|list`: break an Availability Zone and give it back, via the admin API. */
import { ADMIN_CLIENT_OPTIONS, ADMIN_CLIENT_USAGE, clientOptions } from '../admin/cli-options.js';
import { AdminClientError, adminCall } from '../admin/client.js';
import type { AzView } from '../admin/views.js';
import { parseCli } from './args.js';
import type { CliIo } from './io.js';

export const AZ_USAGE = `Usage: privatelink-dns az <command> [AZ] [options]

Commands:
  impair AZ             mark every interface in AZ unhealthy, across all endpoints and VPCs
  restore AZ            give the AZ's interfaces back to their probes (or static health)
  list                  every AZ, whether it is impaired, and its interfaces' health

Options:
${ADMIN_CLIENT_USAGE}

Examples:
  privatelink-dns az impair us-east-2a
  privatelink-dns az restore us-east-2a --admin 127.0.0.1:8053`;

function describeAz(v: AzView): string {
  const down = v.interfaces.filter((i) => !i.healthy).length;
  const state = v.impaired
    ? `impaired${v.adminImpaired && v.configImpaired ? ' (admin and config)' : v.adminImpaired ? ' (admin)' : ' (config impairedAzs)'}`
    : 'available';
  return `${v.az}: ${state}, ${v.interfaces.length - down}/${v.interfaces.length} interface(s) healthy`;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCli('az', argv, ADMIN_CLIENT_OPTIONS, io, { allowPositionals: true });
  if (!parsed) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${AZ_USAGE}\n`);
    return 0;
  }
  const [cmd, az, ...extra] = positionals;
  const usage = (msg: string) => {
    io.stderr.write(`privatelink-dns az: ${msg}\n\n${AZ_USAGE}\n`);
    return 2;
  };
  if (!cmd) return usage('give a command: impair, restore or list');
  if (cmd !== 'impair' && cmd !== 'restore' && cmd !== 'list') return usage(`unknown command "${cmd}"`);
  if (cmd === 'list' ? az !== undefined : !az || extra.length) {
    return usage(cmd === 'list' ? 'list takes no AZ' : `${cmd} takes exactly one AZ name, e.g. us-east-2a`);
  }
  const opts = clientOptions(values);
  try {
    if (cmd === 'list') {
      const r = await adminCall<{ azs: AzView[] }>(opts, 'GET', '/v1/azs');
      if (values.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else for (const v of r.azs) io.stdout.write(`${describeAz(v)}\n`);
      return 0;
    }
    const v = await adminCall<AzView>(opts, 'PUT', `/v1/azs/${encodeURIComponent(az)}`, {
      impaired: cmd === 'impair',
    });
    if (values.json) {
      io.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
      return 0;
    }
    io.stdout.write(`${cmd === 'impair' ? 'impaired' : 'restored'} ${describeAz(v)}\n`);
    for (const i of v.interfaces) {
      io.stdout.write(`  ${i.endpoint} ${i.eniId}: ${i.healthy ? 'healthy' : 'unhealthy'} (${i.reason})\n`);
    }
    if (cmd === 'restore' && v.configImpaired) {
      io.stdout.write(`note: ${az} is still impaired by the config's impairedAzs\n`);
    }
    return 0;
  } catch (e) {
    io.stderr.write(`privatelink-dns az: ${e instanceof AdminClientError ? e.message : String(e)}\n`);
    return 1;
  }
}
