/**
 * The config sections of Route 53 Resolver itself: DNS Firewall (`firewall`), query logs
 * (`queryLogs`) and the per-interface packet limit (`resolverLimits`). Part of the one schema
 * in schema.ts; the cross-references (a rule's domain list, an association's rule group and VPC,
 * duplicate priorities, list files) are checked after the schema by src/route53/firewall/check.ts.
 */
import { z } from 'zod';

const FIREWALL_NAME = /^[A-Za-z0-9_.-][A-Za-z0-9 _.()-]{0,63}$/;
const name = (what: string) =>
  z
    .string()
    .regex(FIREWALL_NAME, `a ${what} name is 1 to 64 letters, digits, spaces, '_', '.', '-', '(' or ')'`);

export const FirewallDomainListSchema = z
  .strictObject({
    name: name('domain list').describe('Name of the list; rules name it in `domainList`'),
    id: z
      .string()
      .regex(/^rslvr-fdl-[0-9a-f]{17}$/, 'a domain list id is rslvr-fdl- followed by 17 hex digits')
      .optional()
      .describe('The list id shown in query logs (firewall_domain_list_id); derived from the name if absent'),
    domains: z
      .array(z.string())
      .optional()
      .describe(
        'Domains of the list: a name matches itself; `*.example.com` matches every name below example.com (not example.com itself); `*` matches every name',
      ),
    file: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A file with one domain a line (`#` starts a comment, blank lines are skipped), relative to the config file; give `domains` or `file`, not both',
      ),
  })
  .describe('A DNS Firewall domain list');

export const FirewallRuleSchema = z
  .strictObject({
    name: name('rule').describe('Name of the rule, unique in its rule group'),
    priority: z
      .int()
      .min(1)
      .max(2_147_483_647)
      .describe('Order of the rule in its group (lowest first); unique in the group'),
    domainList: z.string().min(1).describe('The `name` of the domain list the rule inspects for'),
    action: z
      .enum(['ALLOW', 'ALERT', 'BLOCK'])
      .describe(
        'ALLOW: answer normally; ALERT: answer normally and log the match; BLOCK: answer with `blockResponse`',
      ),
    blockResponse: z
      .enum(['NODATA', 'NXDOMAIN', 'OVERRIDE'])
      .optional()
      .describe(
        'BLOCK only (required there): NODATA (NOERROR, no records), NXDOMAIN, or OVERRIDE (a CNAME to `blockOverrideDomain`, followed like any CNAME)',
      ),
    blockOverrideDomain: z
      .string()
      .min(1)
      .optional()
      .describe('OVERRIDE only (required there): the name the CNAME points to'),
    blockOverrideDnsType: z
      .literal('CNAME')
      .optional()
      .describe('OVERRIDE only: the record type of the override; CNAME is the only one AWS has'),
    blockOverrideTtl: z
      .int()
      .min(0)
      .max(604_800)
      .optional()
      .describe('OVERRIDE only: the TTL of the CNAME, 0 by default'),
    qtype: z
      .string()
      .regex(
        /^([A-Za-z][A-Za-z0-9]*|TYPE\d{1,5})$/,
        'a query type is a type name (A, AAAA, TXT, …) or TYPE<number>',
      )
      .optional()
      .describe('Only queries of this type match (A, AAAA, TXT, … or TYPE<number>); every type when absent'),
  })
  .describe('A DNS Firewall rule');

export const FirewallRuleGroupSchema = z
  .strictObject({
    name: name('rule group').describe('Name of the rule group; associations name it in `ruleGroup`'),
    id: z
      .string()
      .regex(/^rslvr-frg-[0-9a-f]{17}$/, 'a rule group id is rslvr-frg- followed by 17 hex digits')
      .optional()
      .describe(
        'The rule group id shown in query logs (firewall_rule_group_id); derived from the name if absent',
      ),
    rules: z.array(FirewallRuleSchema).default([]).describe('The rules, evaluated by priority'),
  })
  .describe('A DNS Firewall rule group');

export const FirewallAssociationSchema = z
  .strictObject({
    ruleGroup: z.string().min(1).describe('The `name` of the rule group'),
    vpc: z.string().min(1).describe('The id of a VPC of `vpcs`'),
    priority: z
      .int()
      .min(101)
      .max(9899)
      .describe('Order of the rule group in the VPC (lowest first), 101 to 9899 as in AWS; unique per VPC'),
    name: z.string().optional().describe('A name for the association (shown in /v1/firewall)'),
  })
  .describe('A rule group associated with a VPC');

export const FirewallConfigSchema = z
  .strictObject({
    vpc: z.string().min(1).describe('The id of a VPC of `vpcs`'),
    firewallFailOpen: z
      .enum(['ENABLED', 'DISABLED'])
      .default('DISABLED')
      .describe(
        'ENABLED: when the firewall cannot evaluate a query, it goes through unfiltered; DISABLED (AWS default): it gets SERVFAIL',
      ),
  })
  .describe("A VPC's DNS Firewall configuration");

export const FirewallSchema = z
  .strictObject({
    domainLists: z.array(FirewallDomainListSchema).default([]).describe('Domain lists'),
    ruleGroups: z.array(FirewallRuleGroupSchema).default([]).describe('Rule groups and their rules'),
    associations: z
      .array(FirewallAssociationSchema)
      .default([])
      .describe('Which rule groups apply to which VPC, in which order'),
    firewallConfigs: z
      .array(FirewallConfigSchema)
      .default([])
      .describe('Fail-open setting per VPC (fail closed when absent)'),
    unavailable: z
      .boolean()
      .default(false)
      .describe(
        'Emulates DNS Firewall being unable to evaluate queries, to see `firewallFailOpen` at work: fail-open VPCs answer unfiltered, the others SERVFAIL',
      ),
  })
  .describe(
    'Route 53 Resolver DNS Firewall: applies to clients in the view of an associated VPC, before every other answer (endpoint names and private hosted zones included)',
  );

export const QueryLogsSchema = z
  .strictObject({
    destination: z
      .string()
      .min(1)
      .describe(
        '`stdout`, or a file (relative to the working directory) appended to, reopened on SIGUSR1 (for logrotate)',
      ),
    vpcs: z
      .array(z.string())
      .optional()
      .describe('Log queries from the views of these VPCs only; every VPC when absent'),
    logCacheHits: z
      .boolean()
      .default(false)
      .describe('Also log queries answered from the cache (Resolver does not)'),
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'an account id is 12 digits')
      .default('000000000000')
      .describe('The account_id written in every line'),
    maxBufferedLines: z
      .int()
      .min(1)
      .max(10_000_000)
      .default(100_000)
      .describe('Lines held while the destination is slow; beyond that lines are dropped and counted'),
  })
  .describe(
    'Resolver query logs: one JSON object per query, in the format of Route 53 Resolver query logs (version 1.1)',
  );

export const ResolverLimitsSchema = z
  .strictObject({
    packetsPerSecondPerInterface: z
      .int()
      .min(1)
      .max(10_000_000)
      .optional()
      .describe(
        'Queries per second per client address, as the VPC resolver allows per network interface (1024 in AWS); the excess is dropped unanswered and not logged. Off when absent',
      ),
  })
  .describe('Limits of the Amazon-provided DNS server');
