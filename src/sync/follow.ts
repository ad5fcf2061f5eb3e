/**
 * Live follow (`serve --sync-from-aws`): reads the EC2 and Route 53 APIs every interval and hands
 * each changed config to `apply` (the server's reload: atomic, interface health kept). A failed
 * read, a config that cannot be built or a rejected reload keeps the last good config serving;
 * it is counted, logged once per change of state (failing, a different error, recovered), and
 * shown by {@link AwsFollower.status} (`/readyz` detail and `/v1/sync`). A read that went without
 * part of the data (warnings, e.g. the associations denied) still applies; each new warning is
 * logged once and listed in the status. Credentials never appear
 * in what it logs or reports: only the Region, the endpoint URL, the profile name and errors.
 */
import type { Logger } from 'pino';
import type { ReloadResult } from '../config/problems.js';
import type { Metrics } from '../metrics/metrics.js';
import { ImportError } from '../privatelink/import.js';
import { type AwsClients, type AwsSource, createClients, readAws, SyncError } from './aws.js';
import { type BuildResult, buildFromSnapshot } from './build.js';

export interface FollowOptions {
  source: AwsSource;
  clientCidrs?: readonly string[];
  /** Time between the end of one read and the start of the next. */
  intervalMs: number;
  logger: Logger;
  /** Describes the source in the YAML header. */
  from: (region: string) => string;
}

/** What `/v1/sync` answers. */
export interface SyncStatus {
  source: { region?: string; endpointUrl?: string; profile?: string; vpcIds: string[] };
  intervalMs: number;
  /** `ok`: the last read was applied or unchanged; `failing`: the last good config serves. */
  state: 'starting' | 'ok' | 'failing';
  lastSuccess: string | null;
  lastAttempt: string | null;
  lastError: { message: string; at: string; since: string } | null;
  nextPoll: string | null;
  polls: number;
  failures: number;
  /** Interface endpoints and VPCs in the config now serving. */
  serving: { endpoints: number; vpcs: number } | null;
  /** What the last good read went without (e.g. DescribeVpcEndpointAssociations denied). */
  warnings: string[];
}

export class AwsFollower {
  private clients: AwsClients | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private apply: ((config: object) => Promise<ReloadResult>) | null = null;
  private metrics: Metrics | null = null;
  private lastBody: string | null = null;
  private closed = false;
  private readonly st: SyncStatus;
  private readonly log: Logger;

  constructor(private readonly opts: FollowOptions) {
    this.log = opts.logger.child({ component: 'sync' });
    const s = opts.source;
    this.st = {
      source: {
        ...(s.region ? { region: s.region } : {}),
        ...(s.endpointUrl ? { endpointUrl: s.endpointUrl } : {}),
        ...(s.profile ? { profile: s.profile } : {}),
        vpcIds: [...(s.vpcIds ?? [])],
      },
      intervalMs: opts.intervalMs,
      state: 'starting',
      lastSuccess: null,
      lastAttempt: null,
      lastError: null,
      nextPoll: null,
      polls: 0,
      failures: 0,
      serving: null,
      warnings: [],
    };
  }

  /** The first read, before the server starts: rejects with a one-line error. */
  async first(): Promise<BuildResult> {
    const result = await this.read();
    this.succeeded(result);
    return result;
  }

  /** Starts polling; each changed config goes to `apply`. */
  start(apply: (config: object) => Promise<ReloadResult>, metrics: Metrics): void {
    this.apply = apply;
    this.metrics = metrics;
    metrics.gauge('aws_sync_last_success_timestamp_seconds', () =>
      this.st.lastSuccess ? Date.parse(this.st.lastSuccess) / 1000 : 0,
    );
    this.schedule();
  }

  /** Reads now (SIGHUP), unless a read is under way; resolves when it is done. */
  pollNow(): Promise<void> {
    if (this.running) return this.running;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.poll();
  }

  status(): SyncStatus {
    return structuredClone(this.st);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.clients?.close();
    this.clients = null;
  }

  private schedule(): void {
    if (this.closed) return;
    this.st.nextPoll = new Date(Date.now() + this.opts.intervalMs).toISOString();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.poll();
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  private async read(): Promise<BuildResult> {
    this.clients ??= createClients(this.opts.source);
    this.st.lastAttempt = new Date().toISOString();
    this.st.polls++;
    const snap = await readAws(this.opts.source, this.clients);
    return buildFromSnapshot(snap, { clientCidrs: this.opts.clientCidrs, from: this.opts.from(snap.region) });
  }

  private poll(): Promise<void> {
    this.running = (async () => {
      try {
        const result = await this.read();
        if (this.closed) return;
        const body = bodyOf(result.yaml);
        if (body === this.lastBody) {
          this.metrics?.inc('aws_sync_polls', { result: 'unchanged' });
          this.succeeded(result);
          return;
        }
        const r = await this.apply!(result.config);
        if (!r.ok) {
          const first = r.problems[0];
          throw new SyncError(
            `the synced config was rejected: ${first ? `${first.path ?? ''} ${first.message}`.trim() : 'invalid'}${r.problems.length > 1 ? ` (and ${r.problems.length - 1} more)` : ''}`,
          );
        }
        this.metrics?.inc('aws_sync_polls', { result: 'changed' });
        this.succeeded(result);
        this.log.info(
          { endpoints: this.st.serving?.endpoints, vpcs: this.st.serving?.vpcs },
          'AWS sync: a changed config is serving',
        );
      } catch (e) {
        if (this.closed) return;
        this.failed(e);
      } finally {
        this.running = null;
        this.schedule();
      }
    })();
    return this.running;
  }

  private succeeded(result: BuildResult): void {
    const now = new Date().toISOString();
    if (this.st.state === 'failing')
      this.log.info({ failingSince: this.st.lastError?.since }, 'AWS sync recovered');
    this.st.state = 'ok';
    this.st.lastSuccess = now;
    this.st.lastError = null;
    this.lastBody = bodyOf(result.yaml);
    const warned = new Set(this.st.warnings);
    for (const w of result.warnings)
      if (!warned.has(w)) this.log.warn({ warning: w }, 'AWS sync: read without part of the data');
    this.st.warnings = [...result.warnings];
    const vpcs = result.config.vpcs ?? [];
    this.st.serving = {
      endpoints: vpcs.reduce((n, v) => n + (v.endpoints?.length ?? 0), 0),
      vpcs: vpcs.length,
    };
  }

  private failed(e: unknown): void {
    const message =
      e instanceof SyncError
        ? e.message
        : e instanceof ImportError
          ? `the API's answer makes no valid config: ${e.problems[0]}${e.problems.length > 1 ? ` (and ${e.problems.length - 1} more)` : ''}`
          : `unexpected error: ${(e as Error)?.message ?? String(e)}`;
    this.metrics?.inc('aws_sync_polls', { result: 'failure' });
    this.st.failures++;
    const now = new Date().toISOString();
    const changed = this.st.state !== 'failing' || this.st.lastError?.message !== message;
    this.st.lastError = { message, at: now, since: changed ? now : (this.st.lastError?.since ?? now) };
    this.st.state = 'failing';
    if (changed) this.log.error({ error: message }, 'AWS sync failed; the last good config keeps serving');
  }
}

/** The YAML without its comment lines (which carry the time of the read). */
function bodyOf(yaml: string): string {
  return yaml
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
}
