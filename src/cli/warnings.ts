/**
 * Warnings `validate` prints about a valid config: settings that work but invite abuse, and
 * endpoints that do not answer as one might expect (unverified endpoint-service names). Each is
 * placed at its field (FILE:LINE:COL) and carries a code of the error catalog.
 */
import { type ConfigProblem, type LoadedConfig, pathText } from '../config/problems.js';
import { cidrWithin, parseCidr } from '../net/cidr.js';
import { kindWarnings } from '../privatelink/kind-rules.js';
import { DEFAULT_ALLOWED_CLIENTS } from '../resolve/access.js';

/** Above this, a UDP answer to a forged source is a large amplification. */
export const AMPLIFICATION_UDP_SIZE = 4096;

const LOOPBACK = [parseCidr('127.0.0.0/8'), parseCidr('::1/128')].filter((c) => c !== null);

/** True when the range holds an address outside loopback. */
function beyondLoopback(text: string): boolean {
  const c = parseCidr(text);
  if (!c) return true;
  return !LOOPBACK.some((l) => cidrWithin(c, l));
}

/** The warnings for a config that loaded. */
export function configWarnings(l: LoadedConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const c = l.config;
  const size = c.limits.maxUdpSize;
  if (size > AMPLIFICATION_UDP_SIZE) {
    const clients = c.allowedClients ?? [...DEFAULT_ALLOWED_CLIENTS, ...c.vpcs.flatMap((v) => v.cidrs)];
    const open = clients.find(beyondLoopback);
    if (open !== undefined) {
      const pos = l.locate(['limits', 'maxUdpSize']);
      out.push({
        code: 'config.udp-amplification',
        file: l.file,
        line: pos.line,
        col: pos.col,
        path: 'limits.maxUdpSize',
        message: `warning: ${size} is above ${AMPLIFICATION_UDP_SIZE} while clients beyond loopback are allowed (${open}${c.allowedClients ? '' : ', a default of allowedClients'}): a forged-source query gets a ${size}-byte UDP answer (amplification); keep it at ${AMPLIFICATION_UDP_SIZE} or below, or allow only loopback clients`,
      });
    }
  }
  for (const w of kindWarnings(c)) {
    const pos = l.locate(w.path);
    out.push({
      code: w.code,
      file: l.file,
      line: pos.line,
      col: pos.col,
      path: pathText(w.path),
      message: `warning: ${w.message}`,
    });
  }
  return out;
}
