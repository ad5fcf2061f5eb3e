/** The AWS flags `sync` and `serve --sync-from-aws` share (no imports: `serve` parses with them). */
export const AWS_OPTIONS = {
  region: { type: 'string' },
  'vpc-id': { type: 'string', multiple: true },
  profile: { type: 'string' },
  'endpoint-url': { type: 'string' },
  'client-cidrs': { type: 'string' },
  'no-hosted-zones': { type: 'boolean' },
} as const;
