/** HealthState: precedence, generations and the transitions the server logs. */
import { describe, expect, it } from 'vitest';
import { HealthState, type HealthTransition, healthKey } from '../../src/health/state.js';

const K = healthKey('vpce-0123456789abcdef0', 'us-east-2a');
const K2 = healthKey('vpce-0123456789abcdef0', 'us-east-2b');

function setup() {
  const h = new HealthState();
  const seen: HealthTransition[] = [];
  h.onTransition((t) => seen.push(t));
  h.register('vpce-0123456789abcdef0', 'us-east-2a', true);
  h.register('vpce-0123456789abcdef0', 'us-east-2b', true);
  return {
    h,
    seen,
    log: () => seen.map((t) => `${t.az} ${t.healthy ? 'healthy' : 'unhealthy'}: ${t.reason}`),
  };
}

describe('HealthState transitions', () => {
  it('tells each transition once, saying why', () => {
    const { h, log } = setup();
    h.setAzImpaired('us-east-2a', true);
    h.setAzImpaired('us-east-2a', true);
    h.setAzImpaired('us-east-2a', false);
    h.setOverride(K2, false);
    h.setOverride(K2, null);
    h.setProbe(K, false, 'tcp 127.0.0.1:1: connection refused (3 failures in a row)');
    h.setConfigImpaired(['us-east-2a']);
    h.setConfigImpaired([]);
    expect(log()).toEqual([
      'us-east-2a unhealthy: AZ us-east-2a impaired (admin)',
      'us-east-2a healthy: static: healthy (AZ us-east-2a restored by admin)',
      'us-east-2b unhealthy: admin override: unhealthy',
      'us-east-2b healthy: static: healthy (admin override removed)',
      'us-east-2a unhealthy: tcp 127.0.0.1:1: connection refused (3 failures in a row)',
    ]);
  });

  it('does not tell a healthy first registration, but does tell a static unhealthy one', () => {
    const h = new HealthState();
    const seen: string[] = [];
    h.onTransition((t) => seen.push(`${t.az} ${t.healthy}`));
    h.register('vpce-0123456789abcdef0', 'us-east-2a', true);
    h.register('vpce-0123456789abcdef0', 'us-east-2b', false);
    expect(seen).toEqual(['us-east-2b false']);
  });

  it('bumps the generation on every change', () => {
    const { h } = setup();
    const g = h.generation;
    h.setOverride(K, false);
    expect(h.generation).toBeGreaterThan(g);
    const g2 = h.generation;
    h.setAzImpaired('us-east-2c', true);
    expect(h.generation).toBeGreaterThan(g2);
  });

  it('drops a probe verdict with clearProbe and forgets removed interfaces with retain', () => {
    const { h } = setup();
    h.setProbe(K, false, 'down');
    expect(h.view(K).source).toBe('probe');
    h.clearProbe(K);
    expect(h.view(K)).toMatchObject({ healthy: true, source: 'static' });
    h.retain(new Set([K]));
    expect(h.has(K2)).toBe(false);
    expect(h.setOverride(K2, false)).toBe(false);
  });
});
