/**
 * Prober: thresholds counted in probe rounds (a manual scheduler drives the rounds), reasons,
 * precedence, reload behaviour, and the interface health gauge.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfigObject } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { ProbeOutcome } from '../../src/health/checks.js';
import { Prober, type Scheduler } from '../../src/health/probes.js';
import { HealthState, type HealthTransition, healthKey } from '../../src/health/state.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { buildCatalog } from '../../src/privatelink/catalog.js';
import { CW_ID, cloudwatch, oneVpc } from '../helpers/configs.js';
import { flush } from './poll.js';

const KEY_A = healthKey(CW_ID, 'us-east-2a');
const KEY_B = healthKey(CW_ID, 'us-east-2b');

/** A scheduler whose rounds run when the test says so. */
function manualScheduler() {
  let queue: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const schedule: Scheduler = (fn, ms) => {
    const e = { fn, ms, cancelled: false };
    queue.push(e);
    return () => {
      e.cancelled = true;
    };
  };
  return {
    schedule,
    /** Runs every due round and lets the probes record their results. */
    async round(): Promise<void> {
      const due = queue;
      queue = [];
      for (const e of due) if (!e.cancelled) e.fn();
      for (let i = 0; i < 5; i++) await flush();
    },
    pending: () => queue.filter((e) => !e.cancelled),
  };
}

type Itf = { subnet: string; ipv4: string; healthy?: boolean; healthCheck?: Record<string, unknown> };

function config(interfaces: Itf[], over: Partial<ConfigInput> = {}): ConfigInput {
  return oneVpc([cloudwatch({ interfaces })], over);
}

const tcpCheck = (target: string, more: Record<string, unknown> = {}) => ({
  tcp: target,
  intervalSeconds: 1,
  ...more,
});

function setup(interfaces: Itf[]) {
  const health = new HealthState();
  const metrics = new Metrics();
  const transitions: HealthTransition[] = [];
  health.onTransition((t) => transitions.push(t));
  const results = new Map<string, ProbeOutcome>();
  const calls: string[] = [];
  const sched = manualScheduler();
  const prober = new Prober(health, pino({ level: 'silent' }), metrics, {
    schedule: sched.schedule,
    now: () => 0,
    probe: async (check) => {
      const target = String(check.tcp ?? check.http ?? check.dns);
      calls.push(target);
      return results.get(target) ?? { ok: true, detail: 'connected' };
    },
  });
  const load = (itfs: Itf[]) => {
    const c = parseConfigObject(config(itfs)).config;
    const catalog = buildCatalog(c, health);
    health.adopt(catalog.healthEntries);
    health.retain(catalog.healthKeys);
    prober.update(catalog);
    return catalog;
  };
  const catalog = load(interfaces);
  return { health, metrics, transitions, results, calls, sched, prober, load, catalog };
}

const REFUSED: ProbeOutcome = { ok: false, detail: 'connection refused' };
const OK: ProbeOutcome = { ok: true, detail: 'connected' };

describe('Prober thresholds', () => {
  it('goes unhealthy after unhealthyThreshold failures in a row and back after healthyThreshold successes', async () => {
    const s = setup([
      { subnet: 'subnet-0aaa', ipv4: '10.0.1.23', healthCheck: tcpCheck('127.0.0.1:4566') },
      { subnet: 'subnet-0bbb', ipv4: '10.0.2.23' },
    ]);
    s.results.set('127.0.0.1:4566', REFUSED);
    await s.sched.round();
    await s.sched.round();
    expect(s.health.isHealthy(KEY_A)).toBe(true);
    expect(s.prober.status(KEY_A)).toMatchObject({ rounds: 2, consecutiveFailures: 2, verdict: null });
    await s.sched.round();
    expect(s.health.view(KEY_A)).toEqual({
      healthy: false,
      source: 'probe',
      reason: 'tcp 127.0.0.1:4566: connection refused (3 failures in a row)',
    });
    // More failures do not log again.
    await s.sched.round();
    expect(s.transitions.map((t) => [t.key, t.healthy])).toEqual([[KEY_A, false]]);

    s.results.set('127.0.0.1:4566', OK);
    await s.sched.round();
    await s.sched.round();
    expect(s.health.isHealthy(KEY_A)).toBe(false);
    await s.sched.round();
    expect(s.health.view(KEY_A)).toEqual({
      healthy: true,
      source: 'probe',
      reason: 'tcp 127.0.0.1:4566: connected (3 successes in a row)',
    });
    expect(s.transitions.map((t) => [t.key, t.healthy, t.reason])).toEqual([
      [KEY_A, false, 'tcp 127.0.0.1:4566: connection refused (3 failures in a row)'],
      [KEY_A, true, 'tcp 127.0.0.1:4566: connected (3 successes in a row)'],
    ]);
    // The interface without a check is never probed.
    expect(s.prober.keys()).toEqual([KEY_A]);
    expect(s.health.view(KEY_B).source).toBe('static');
  });

  it('a success in the middle resets the failure streak', async () => {
    const s = setup([
      {
        subnet: 'subnet-0aaa',
        ipv4: '10.0.1.23',
        healthCheck: tcpCheck('127.0.0.1:4566', { unhealthyThreshold: 2 }),
      },
    ]);
    for (const r of [REFUSED, OK, REFUSED, OK, REFUSED]) {
      s.results.set('127.0.0.1:4566', r);
      await s.sched.round();
    }
    expect(s.health.isHealthy(KEY_A)).toBe(true);
    await s.sched.round();
    expect(s.health.isHealthy(KEY_A)).toBe(false);
    expect(s.health.view(KEY_A).reason).toBe('tcp 127.0.0.1:4566: connection refused (2 failures in a row)');
  });

  it('static healthy: false starts unhealthy until the probe reaches healthyThreshold', async () => {
    const s = setup([
      {
        subnet: 'subnet-0aaa',
        ipv4: '10.0.1.23',
        healthy: false,
        healthCheck: tcpCheck('127.0.0.1:4566', { healthyThreshold: 2 }),
      },
    ]);
    expect(s.health.view(KEY_A)).toMatchObject({ healthy: false, source: 'static' });
    await s.sched.round();
    expect(s.health.isHealthy(KEY_A)).toBe(false);
    await s.sched.round();
    expect(s.health.view(KEY_A)).toMatchObject({ healthy: true, source: 'probe' });
  });

  it('uses the check interval between rounds and runs the first round at once', async () => {
    const s = setup([
      {
        subnet: 'subnet-0aaa',
        ipv4: '10.0.1.23',
        healthCheck: tcpCheck('127.0.0.1:4566', { intervalSeconds: 7 }),
      },
    ]);
    expect(s.sched.pending().map((e) => e.ms)).toEqual([0]);
    await s.sched.round();
    expect(s.sched.pending().map((e) => e.ms)).toEqual([7000]);
  });

  it('a probe that throws counts as a failure with the error message', async () => {
    const health = new HealthState();
    const sched = manualScheduler();
    const prober = new Prober(health, pino({ level: 'silent' }), new Metrics(), {
      schedule: sched.schedule,
      probe: async () => {
        throw new Error('boom');
      },
    });
    const c = parseConfigObject(
      config([
        {
          subnet: 'subnet-0aaa',
          ipv4: '10.0.1.23',
          healthCheck: tcpCheck('127.0.0.1:1', { unhealthyThreshold: 1 }),
        },
      ]),
    ).config;
    const next = buildCatalog(c, health);
    health.adopt(next.healthEntries);
    prober.update(next);
    await sched.round();
    expect(health.view(KEY_A)).toMatchObject({
      healthy: false,
      reason: 'tcp 127.0.0.1:1: boom (1 failure in a row)',
    });
    prober.close();
  });
});

describe('precedence: override > AZ impairment > probe > static', () => {
  it('applies each layer in order and falls back when one is removed', async () => {
    const s = setup([
      {
        subnet: 'subnet-0aaa',
        ipv4: '10.0.1.23',
        healthy: false,
        healthCheck: tcpCheck('127.0.0.1:4566', { healthyThreshold: 1 }),
      },
    ]);
    expect(s.health.view(KEY_A).source).toBe('static');
    await s.sched.round();
    expect(s.health.view(KEY_A)).toMatchObject({ healthy: true, source: 'probe' });
    s.health.setConfigImpaired(['us-east-2a']);
    expect(s.health.view(KEY_A)).toMatchObject({ healthy: false, source: 'az-impaired' });
    s.health.setAzImpaired('us-east-2a', true);
    expect(s.health.view(KEY_A).reason).toBe('AZ us-east-2a impaired (admin)');
    s.health.setOverride(KEY_A, true);
    expect(s.health.view(KEY_A)).toMatchObject({ healthy: true, source: 'override' });
    s.health.setOverride(KEY_A, null);
    s.health.setAzImpaired('us-east-2a', false);
    expect(s.health.view(KEY_A)).toMatchObject({ healthy: false, source: 'az-impaired' });
    s.health.setConfigImpaired([]);
    expect(s.health.view(KEY_A)).toMatchObject({ healthy: true, source: 'probe' });
  });
});

describe('Prober.update on reload', () => {
  const itfs = (check: Record<string, unknown> | undefined): Itf[] => [
    { subnet: 'subnet-0aaa', ipv4: '10.0.1.23', healthCheck: check },
    { subnet: 'subnet-0bbb', ipv4: '10.0.2.23' },
  ];

  it('keeps the state of an unchanged check', async () => {
    const s = setup(itfs(tcpCheck('127.0.0.1:4566')));
    s.results.set('127.0.0.1:4566', REFUSED);
    await s.sched.round();
    await s.sched.round();
    s.load(itfs(tcpCheck('127.0.0.1:4566')));
    // Still only one loop: one call per round.
    const before = s.calls.length;
    await s.sched.round();
    expect(s.calls.length - before).toBe(1);
    expect(s.health.view(KEY_A).reason).toBe('tcp 127.0.0.1:4566: connection refused (3 failures in a row)');
    s.load(itfs(tcpCheck('127.0.0.1:4566')));
    expect(s.health.isHealthy(KEY_A)).toBe(false);
    expect(s.prober.status(KEY_A)?.rounds).toBe(3);
  });

  it('restarts the counting of a changed check and keeps the last verdict until a threshold', async () => {
    const s = setup(itfs(tcpCheck('127.0.0.1:4566', { unhealthyThreshold: 1 })));
    s.results.set('127.0.0.1:4566', REFUSED);
    await s.sched.round();
    expect(s.health.isHealthy(KEY_A)).toBe(false);
    s.load(itfs(tcpCheck('127.0.0.1:4567', { healthyThreshold: 2 })));
    expect(s.prober.status(KEY_A)).toMatchObject({ check: 'tcp 127.0.0.1:4567', rounds: 0 });
    await s.sched.round();
    expect(s.calls.at(-1)).toBe('127.0.0.1:4567');
    expect(s.health.isHealthy(KEY_A)).toBe(false);
    await s.sched.round();
    expect(s.health.view(KEY_A).reason).toBe('tcp 127.0.0.1:4567: connected (2 successes in a row)');
  });

  it('stops a removed check and falls back to static health', async () => {
    const s = setup(itfs(tcpCheck('127.0.0.1:4566', { unhealthyThreshold: 1 })));
    s.results.set('127.0.0.1:4566', REFUSED);
    await s.sched.round();
    expect(s.health.isHealthy(KEY_A)).toBe(false);
    s.load(itfs(undefined));
    expect(s.prober.keys()).toEqual([]);
    expect(s.health.view(KEY_A)).toMatchObject({ healthy: true, source: 'static' });
    const before = s.calls.length;
    await s.sched.round();
    expect(s.calls.length).toBe(before);
  });

  it('close() stops every probe and ignores later updates', async () => {
    const s = setup(itfs(tcpCheck('127.0.0.1:4566')));
    s.prober.close();
    expect(s.sched.pending()).toEqual([]);
    s.load(itfs(tcpCheck('127.0.0.1:4566')));
    expect(s.sched.pending()).toEqual([]);
    expect(s.prober.keys()).toEqual([]);
  });
});

describe('metrics', () => {
  it('exports interface health by endpoint, AZ and address, and probe rounds by result', async () => {
    const s = setup([
      {
        subnet: 'subnet-0aaa',
        ipv4: '10.0.1.23',
        healthCheck: tcpCheck('127.0.0.1:4566', { unhealthyThreshold: 1 }),
      },
      { subnet: 'subnet-0bbb', ipv4: '10.0.2.23' },
    ]);
    s.results.set('127.0.0.1:4566', REFUSED);
    await s.sched.round();
    const families = parsePrometheusTextFormat(await s.metrics.text());
    const gauge = families.find((f) => f.name === 'privatelink_dns_interface_healthy');
    expect(gauge?.type).toBe('GAUGE');
    const series = (gauge?.metrics ?? []).map((m) => {
      const x = m as { labels: Record<string, string>; value: string };
      return [x.labels.az, x.labels.address, x.labels.endpoint, x.value];
    });
    expect(series).toEqual([
      ['us-east-2a', '10.0.1.23', CW_ID, '0'],
      ['us-east-2b', '10.0.2.23', CW_ID, '1'],
    ]);
    const checks = families.find((f) => f.name === 'privatelink_dns_health_checks_total');
    // Every kind and result is there from the start; only the round that ran has counted.
    expect(checks?.metrics).toEqual([
      { labels: { kind: 'tcp', result: 'success' }, value: '0' },
      { labels: { kind: 'tcp', result: 'failure' }, value: '1' },
      { labels: { kind: 'http', result: 'success' }, value: '0' },
      { labels: { kind: 'http', result: 'failure' }, value: '0' },
      { labels: { kind: 'dns', result: 'success' }, value: '0' },
      { labels: { kind: 'dns', result: 'failure' }, value: '0' },
    ]);
  });
});
