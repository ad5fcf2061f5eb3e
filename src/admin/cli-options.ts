/** Options shared by the commands that talk to the admin API (`az`, `interface`). */
import { DEFAULT_ADMIN } from './server.js';

/** The parseArgs option table of --admin, --admin-token, --json and --help. */
export const ADMIN_CLIENT_OPTIONS = {
  admin: { type: 'string' },
  'admin-token': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Help lines of the shared options. */
export const ADMIN_CLIENT_USAGE = `  --admin HOST:PORT     admin API of the server (default ${DEFAULT_ADMIN})
  --admin-token TOKEN   bearer token (default: $PRIVATELINK_DNS_ADMIN_TOKEN)
  --json                print the API's JSON reply
  -h, --help            this help`;

/** The client options from parsed values (token from the environment when not given). */
export function clientOptions(values: { admin?: string; 'admin-token'?: string }): {
  admin: string;
  token?: string;
} {
  return {
    admin: values.admin ?? DEFAULT_ADMIN,
    token: values['admin-token'] ?? (process.env.PRIVATELINK_DNS_ADMIN_TOKEN || undefined),
  };
}
