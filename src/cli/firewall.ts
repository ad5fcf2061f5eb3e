/** `privatelink-dns firewall test NAME`: the DNS Firewall verdict for a name, offline from the config. */
import { isIP } from 'node:net';
import { bundledNotice, chooseConfig } from '../config/discover.js';
import { ConfigError, formatProblem, loadConfigFile } from '../config/load.js';
import { parseType, typeName } from '../dns/constants.js';
import { normaliseName } from '../dns/names.js';
import { HealthState } from '../health/state.js';
import { buildCatalog } from '../privatelink/catalog.js';
import { verdictSentence, verdictView } from '../route53/firewall/view.js';
import { parseCli } from './args.js';
import type { CliIo } from './io.js';

const HELP = `Usage: privatelink-dns firewall test NAME [--client IP] [--type TYPE] [--config FILE] [--json]

Prints what Route 53 Resolver DNS Firewall does with a query for NAME, from the config alone
(no server needed): the rule that decides, its rule group and domain list, and the answer.
Without --client, prints the verdict for every VPC that has rule groups.

Options:
  -c, --config FILE  config file (default: ./privatelink-dns.yaml if present, else the
                     bundled example config/endpoints.yaml)
      --client IP    the client's address: its VPC view decides which rule groups apply
  -t, --type TYPE    query type (default A)
      --json         print JSON
  -h, --help         show this help

Each option can also be set in the environment (PRIVATELINK_DNS_CONFIG, …).

Exit status: 0 done, 1 invalid config, 2 usage error.
`;

const FIREWALL_OPTIONS = {
  config: { type: 'string', short: 'c' },
  client: { type: 'string' },
  type: { type: 'string', short: 't' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCli('firewall', argv, FIREWALL_OPTIONS, io, { allowPositionals: true });
  if (!parsed) return 2;
  const { values, positionals, flag } = parsed;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const [sub, rawName, ...extra] = positionals;
  if (sub !== 'test' || !rawName || extra.length) {
    io.stderr.write('privatelink-dns firewall: usage: firewall test NAME [--client IP] (see --help)\n');
    return 2;
  }
  const qtype = parseType(values.type ?? 'A');
  if (qtype === undefined) {
    io.stderr.write(`privatelink-dns firewall: ${flag('type')} ${values.type} is not a DNS record type\n`);
    return 2;
  }
  if (values.client !== undefined && !isIP(values.client)) {
    io.stderr.write(`privatelink-dns firewall: ${flag('client')} ${values.client} is not an IP address\n`);
    return 2;
  }
  const choice = chooseConfig(values.config);
  if (choice.source === 'bundled')
    io.stderr.write(`privatelink-dns firewall: ${bundledNotice(choice.path)}\n`);
  const file = choice.path;
  let loaded: ReturnType<typeof loadConfigFile>;
  try {
    loaded = loadConfigFile(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) io.stderr.write(`${formatProblem(p)}\n`);
    return 1;
  }
  const fw = loaded.firewall ?? null;
  const qname = normaliseName(rawName.trim());
  let vpcs: string[];
  let clientNote = '';
  if (values.client !== undefined) {
    const view = buildCatalog(loaded.config, new HealthState()).viewFor(values.client);
    vpcs = view ? [view.vpc.id] : [];
    clientNote = view ? ` (client ${values.client})` : '';
    if (!view) {
      const msg = `client ${values.client} is in no VPC view: DNS Firewall does not apply, ${qname} is answered as usual`;
      io.stdout.write(
        values.json ? `${JSON.stringify({ name: qname, client: values.client, vpcs: [] })}\n` : `${msg}\n`,
      );
      return 0;
    }
  } else vpcs = fw ? [...fw.byVpc.keys()] : [];
  const results = vpcs.map((vpc) => {
    const v = fw?.byVpc.has(vpc) ? fw.evaluate(vpc, qname, qtype) : null;
    const associated = fw?.byVpc.has(vpc) ?? false;
    return {
      vpc,
      verdict: v ? verdictView(v) : null,
      sentence: associated
        ? verdictSentence(v, vpc, qname)
        : `${vpc} has no DNS Firewall rule groups: answered as usual`,
    };
  });
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ name: qname, type: typeName(qtype), client: values.client ?? null, vpcs: results.map(({ vpc, verdict }) => ({ vpc, verdict })) }, null, 2)}\n`,
    );
    return 0;
  }
  if (results.length === 0) io.stdout.write('no VPC has DNS Firewall rule groups: nothing is filtered\n');
  for (const r of results)
    io.stdout.write(`${r.vpc}${clientNote} ${typeName(qtype)} ${qname}: ${r.sentence}\n`);
  return 0;
}
