/**
 * Compiles and checks the `firewall:` section (and the VPC references of `queryLogs:`): every
 * problem has a path into the config, or, for a bad line of a domain list file, that file's
 * line and column. Unknown names get a "did you mean".
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Config } from '../../config/schema.js';
import { parseType } from '../../dns/constants.js';
import type { ConfigProblemCode } from '../../errors/catalog.js';
import { DomainTable, isSpecError, ListFileParser, parseDomainSpec } from './domains.js';
import { firewallId } from './ids.js';
import {
  type BlockResponse,
  type CompiledGroup,
  type CompiledList,
  type CompiledRule,
  Firewall,
  type VpcRules,
} from './model.js';

type PathSeg = string | number;

/** One problem: a path into the config, or a position in a list file. */
export interface FirewallProblem {
  code: ConfigProblemCode;
  path: PathSeg[];
  message: string;
  /** Set for problems inside a domain list file. */
  at?: { file: string; line: number; col: number };
}

/** Largest domain list file read (bytes): 1,000,000 domains take about 20 MB. */
export const MAX_LIST_FILE_BYTES = 512 * 1024 * 1024;

/** Bad lines reported per list file at most (the file's count is still given). */
const MAX_LINE_PROBLEMS = 20;

export interface CompileOptions {
  /** Relative list files are read from here (the config file's directory). */
  baseDir: string;
}

export interface Compiled {
  /** Null when the config has no `firewall:` section. */
  firewall: Firewall | null;
  problems: FirewallProblem[];
}

/** The absolute path of a list file named in the config. */
export function listFilePath(file: string, baseDir: string): string {
  return isAbsolute(file) ? file : resolve(baseDir, file);
}

/** Compiles the firewall of a config that passed the schema, with every problem found. */
export function compileFirewall(config: Config, opts: CompileOptions): Compiled {
  const problems: FirewallProblem[] = [];
  const add = (code: ConfigProblemCode, path: PathSeg[], message: string) =>
    problems.push({ code, path, message });
  const vpcIds = new Set(config.vpcs.map((v) => v.id));
  const unknownVpc = (id: string, path: PathSeg[]) => {
    if (vpcIds.has(id)) return false;
    add('config.firewall-unknown-vpc', path, `no VPC ${id} in vpcs${hint(id, [...vpcIds])}`);
    return true;
  };
  config.queryLogs?.vpcs?.forEach((id, i) => {
    unknownVpc(id, ['queryLogs', 'vpcs', i]);
  });

  const fw = config.firewall;
  if (!fw) return { firewall: null, problems };
  const base: PathSeg[] = ['firewall'];

  // Domain lists.
  const table = new DomainTable(fw.domainLists.length);
  // Room for every list file at once (about 20 bytes a line), so that the table grows once.
  let fileBytes = 0;
  for (const l of fw.domainLists)
    if (l.file !== undefined && l.domains === undefined)
      fileBytes += fileSize(listFilePath(l.file, opts.baseDir));
  table.reserve(Math.ceil(fileBytes / 20), fileBytes);
  const lists: CompiledList[] = [];
  const listByName = new Map<string, CompiledList>();
  fw.domainLists.forEach((l, i) => {
    const lp: PathSeg[] = [...base, 'domainLists', i];
    const compiled: CompiledList = { name: l.name, id: l.id ?? firewallId('fdl', l.name), index: i, size: 0 };
    lists.push(compiled);
    if (listByName.has(l.name))
      add(
        'config.firewall-duplicate-name',
        [...lp, 'name'],
        `domain list "${l.name}" is defined twice; rename one`,
      );
    else listByName.set(l.name, compiled);
    if ((l.domains === undefined) === (l.file === undefined)) {
      add(
        'config.firewall-list-source',
        lp,
        l.domains
          ? 'give either domains or file, not both'
          : 'give the domains: `domains: [...]` or `file: PATH` (one domain a line)',
      );
    }
    l.domains?.forEach((d, j) => {
      const r = parseDomainSpec(d.trim());
      if (isSpecError(r)) add('config.firewall-bad-domain', [...lp, 'domains', j], `"${d}": ${r.message}`);
      else table.add(i, r);
    });
    if (l.file !== undefined && l.domains === undefined) {
      const path = listFilePath(l.file, opts.baseDir);
      compiled.file = path;
      let bad = 0;
      const parser = new ListFileParser(table, i, (line, col, message) => {
        bad++;
        if (bad <= MAX_LINE_PROBLEMS)
          problems.push({
            code: 'config.firewall-bad-domain',
            path: [...lp, 'file'],
            message: `domain list "${l.name}": ${message}`,
            at: { file: path, line, col },
          });
      });
      if (readListFile(path, parser, (why) => add('config.firewall-list-file', [...lp, 'file'], why))) {
        if (bad > MAX_LINE_PROBLEMS)
          add(
            'config.firewall-bad-domain',
            [...lp, 'file'],
            `${path}: ${bad} bad lines in all (the first ${MAX_LINE_PROBLEMS} are shown)`,
          );
      }
    }
  });
  table.freeze();
  for (const l of lists) l.size = table.sizes[l.index];

  // Rule groups and rules.
  const groups: CompiledGroup[] = [];
  const groupByName = new Map<string, CompiledGroup>();
  fw.ruleGroups.forEach((g, gi) => {
    const gp: PathSeg[] = [...base, 'ruleGroups', gi];
    const group: CompiledGroup = { name: g.name, id: g.id ?? firewallId('frg', g.name), rules: [] };
    groups.push(group);
    if (groupByName.has(g.name))
      add(
        'config.firewall-duplicate-name',
        [...gp, 'name'],
        `rule group "${g.name}" is defined twice; rename one`,
      );
    else groupByName.set(g.name, group);
    const priorities = new Map<number, string>();
    const names = new Set<string>();
    g.rules.forEach((r, ri) => {
      const rp: PathSeg[] = [...gp, 'rules', ri];
      if (names.has(r.name))
        add(
          'config.firewall-duplicate-name',
          [...rp, 'name'],
          `rule "${r.name}" is twice in rule group "${g.name}"`,
        );
      names.add(r.name);
      const other = priorities.get(r.priority);
      if (other !== undefined)
        add(
          'config.firewall-duplicate-priority',
          [...rp, 'priority'],
          `priority ${r.priority} is taken by rule "${other}" in this group; each rule needs its own`,
        );
      else priorities.set(r.priority, r.name);
      const list = listByName.get(r.domainList);
      if (!list)
        add(
          'config.firewall-unknown-domain-list',
          [...rp, 'domainList'],
          `no domain list "${r.domainList}"${hint(r.domainList, [...listByName.keys()])}`,
        );
      let blockResponse: BlockResponse | null = null;
      if (r.action === 'BLOCK') {
        if (!r.blockResponse)
          add(
            'config.firewall-block-response',
            [...rp, 'action'],
            'a BLOCK rule needs blockResponse: NODATA, NXDOMAIN or OVERRIDE',
          );
        else blockResponse = r.blockResponse;
      } else if (r.blockResponse) {
        add(
          'config.firewall-block-response',
          [...rp, 'blockResponse'],
          `blockResponse is for BLOCK rules only (this one is ${r.action})`,
        );
      }
      let overrideDomain: string | null = null;
      if (blockResponse === 'OVERRIDE') {
        if (r.blockOverrideDomain === undefined)
          add(
            'config.firewall-override-domain',
            [...rp, 'blockResponse'],
            'OVERRIDE needs blockOverrideDomain: the name the CNAME points to',
          );
        else {
          const d = parseDomainSpec(r.blockOverrideDomain.trim());
          if (isSpecError(d) || d.wildcard || d.name === '')
            add(
              'config.firewall-bad-domain',
              [...rp, 'blockOverrideDomain'],
              `"${r.blockOverrideDomain}": ${isSpecError(d) ? d.message : 'the override is a name, not a wildcard'}`,
            );
          else overrideDomain = d.name;
        }
      } else {
        for (const k of ['blockOverrideDomain', 'blockOverrideTtl', 'blockOverrideDnsType'] as const)
          if (r[k] !== undefined)
            add('config.firewall-override-domain', [...rp, k], `${k} is for blockResponse: OVERRIDE only`);
      }
      let qtype = 0;
      if (r.qtype !== undefined) {
        const t = parseType(r.qtype);
        if (t === undefined || t === 0 || /^\d+$/.test(r.qtype))
          add(
            'config.firewall-unknown-qtype',
            [...rp, 'qtype'],
            `unknown query type "${r.qtype}" (A, AAAA, TXT, … or TYPE<number>)`,
          );
        else qtype = t;
      }
      if (list)
        group.rules.push({
          kind: 'rule',
          name: r.name,
          priority: r.priority,
          action: r.action,
          blockResponse,
          overrideDomain,
          overrideTtl: r.blockOverrideTtl ?? 0,
          qtype,
          list,
          group,
          matches: 0,
        });
    });
    group.rules.sort((a, b) => a.priority - b.priority);
  });

  // Associations, per VPC in priority order.
  const byVpc = new Map<string, VpcRules>();
  const taken = new Map<string, string>();
  fw.associations.forEach((a, ai) => {
    const ap: PathSeg[] = [...base, 'associations', ai];
    const group = groupByName.get(a.ruleGroup);
    if (!group)
      add(
        'config.firewall-unknown-rule-group',
        [...ap, 'ruleGroup'],
        `no rule group "${a.ruleGroup}"${hint(a.ruleGroup, [...groupByName.keys()])}`,
      );
    if (unknownVpc(a.vpc, [...ap, 'vpc'])) return;
    const pk = `${a.vpc}/${a.priority}`;
    const other = taken.get(pk);
    if (other !== undefined) {
      add(
        'config.firewall-duplicate-priority',
        [...ap, 'priority'],
        `priority ${a.priority} in ${a.vpc} is taken by rule group "${other}"; each association needs its own`,
      );
      return;
    }
    taken.set(pk, a.ruleGroup);
    if (!group) return;
    let v = byVpc.get(a.vpc);
    if (!v) {
      v = { vpc: a.vpc, failOpen: false, associations: [], rules: [] };
      byVpc.set(a.vpc, v);
    }
    if (v.associations.some((x) => x.ruleGroup === group)) {
      add(
        'config.firewall-duplicate-association',
        [...ap, 'ruleGroup'],
        `rule group "${a.ruleGroup}" is associated with ${a.vpc} already`,
      );
      return;
    }
    v.associations.push({ ruleGroup: group, priority: a.priority, name: a.name });
  });
  for (const v of byVpc.values()) {
    v.associations.sort((x, y) => x.priority - y.priority);
    v.rules = v.associations.flatMap((x) => x.ruleGroup.rules);
  }
  const configured = new Set<string>();
  fw.firewallConfigs.forEach((c, ci) => {
    const cp: PathSeg[] = [...base, 'firewallConfigs', ci];
    if (unknownVpc(c.vpc, [...cp, 'vpc'])) return;
    if (configured.has(c.vpc)) {
      add(
        'config.firewall-duplicate-association',
        [...cp, 'vpc'],
        `${c.vpc} has a firewall config already; merge the two`,
      );
      return;
    }
    configured.add(c.vpc);
    const v = byVpc.get(c.vpc);
    if (v) v.failOpen = c.firewallFailOpen === 'ENABLED';
  });

  return { firewall: new Firewall(table, lists, groups, byVpc, fw.unavailable), problems };
}

/** The size of a regular file under the size limit, else 0 (reading it says what is wrong). */
function fileSize(path: string): number {
  try {
    const st = statSync(path);
    return st.isFile() && st.size <= MAX_LIST_FILE_BYTES ? st.size : 0;
  } catch {
    return 0;
  }
}

/** Bytes read from a list file at a time: the file is never held whole. */
const READ_CHUNK = 1024 * 1024;

/**
 * Reads a list file into `parser` a chunk at a time: regular files under the size limit only;
 * false (and `fail`) otherwise.
 */
function readListFile(path: string, parser: ListFileParser, fail: (why: string) => void): boolean {
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) {
        fail(`${path} is not a regular file`);
        return false;
      }
      if (st.size > MAX_LIST_FILE_BYTES) {
        fail(`${path}: ${st.size} bytes is over the limit of ${MAX_LIST_FILE_BYTES}`);
        return false;
      }
      parser.read((buf, at, len) => readSync(fd, buf, at, len, null), Math.min(READ_CHUNK, st.size + 1));
      return true;
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    fail(`cannot read the domain list file ${path}: ${why}`);
    return false;
  }
}

/** "; did you mean X?" for the closest name within edit distance 3, else "". */
function hint(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestD = 4;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best === undefined ? '' : `; did you mean "${best}"?`;
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

export type { CompiledRule };
