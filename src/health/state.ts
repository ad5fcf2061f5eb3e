/**
 * Interface health, keyed by endpoint id + AZ, read at answer time. Precedence:
 * admin override > AZ impairment (admin or config) > probe > static (`healthy:` in the config).
 *
 * Every change bumps {@link HealthState.generation}; answer pools compare it on each query, so a
 * change is visible on the very next query without rebuilding the catalog.
 */

export type HealthSource = 'override' | 'az-impaired' | 'probe' | 'static';

export interface HealthView {
  healthy: boolean;
  source: HealthSource;
  reason: string;
}

interface Entry {
  staticHealthy: boolean;
  az: string;
  probe?: { healthy: boolean; reason: string };
  override?: boolean;
  last?: boolean;
}

export interface HealthTransition {
  key: string;
  endpointId: string;
  az: string;
  healthy: boolean;
  reason: string;
}

export function healthKey(endpointId: string, az: string): string {
  return [endpointId, '/', az].join(''); // one flat string (a Map key for the catalog's life)
}

/** One interface as a catalog registers it: see {@link HealthState.adopt}. */
export interface HealthEntry {
  endpointId: string;
  az: string;
  staticHealthy: boolean;
  key: string;
}

export class HealthState {
  /** Incremented on every change that may alter an answer. */
  generation = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly adminImpaired = new Set<string>();
  private configImpaired = new Set<string>();
  private readonly listeners = new Set<(t: HealthTransition) => void>();

  /** Registers (or updates the static health of) an interface. Existing probe/override state is kept. */
  register(endpointId: string, az: string, staticHealthy: boolean, key = healthKey(endpointId, az)): void {
    const e = this.entries.get(key);
    if (e) {
      e.staticHealthy = staticHealthy;
    } else {
      // Every field from the start: one object shape, no property store added later.
      this.entries.set(key, { staticHealthy, az, probe: undefined, override: undefined, last: undefined });
    }
    this.changed(key);
  }

  /**
   * Takes a catalog's interfaces into service: registers each (keeping the probe and override
   * state of those already known) and forgets every interface not among them.
   */
  adopt(entries: readonly HealthEntry[]): void {
    const keys = new Set<string>();
    for (const e of entries) {
      this.register(e.endpointId, e.az, e.staticHealthy, e.key);
      keys.add(e.key);
    }
    this.retain(keys);
  }

  /** Keeps only the given keys (after a reload); state of kept interfaces is untouched. */
  retain(keys: ReadonlySet<string>): void {
    for (const k of [...this.entries.keys()]) if (!keys.has(k)) this.entries.delete(k);
    this.generation++;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  setConfigImpaired(azs: readonly string[]): void {
    this.configImpaired = new Set(azs);
    this.changedAll('config impairedAzs');
  }

  /** Admin: impair an AZ (true) or give it back to its probes (false). */
  setAzImpaired(az: string, impaired: boolean): void {
    if (impaired) this.adminImpaired.add(az);
    else this.adminImpaired.delete(az);
    this.changedAll(impaired ? `AZ ${az} impaired by admin` : `AZ ${az} restored by admin`);
  }

  impairedAzs(): { admin: string[]; config: string[] } {
    return { admin: [...this.adminImpaired], config: [...this.configImpaired] };
  }

  /** Admin: force an interface healthy/unhealthy, or null to go back to automatic. Returns false if unknown. */
  setOverride(key: string, healthy: boolean | null): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    if (healthy === null) e.override = undefined;
    else e.override = healthy;
    this.changed(key, healthy === null ? 'admin override removed' : undefined);
    return true;
  }

  /** A probe's verdict (after its thresholds). */
  setProbe(key: string, healthy: boolean, reason: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.probe = { healthy, reason };
    this.changed(key);
  }

  /** Drops a probe's verdict (its check was removed): the interface falls back to its static health. */
  clearProbe(key: string): void {
    const e = this.entries.get(key);
    if (!e?.probe) return;
    e.probe = undefined;
    this.changed(key);
  }

  view(key: string): HealthView {
    const e = this.entries.get(key);
    if (!e) return { healthy: true, source: 'static', reason: 'unknown interface' };
    if (e.override !== undefined) {
      return {
        healthy: e.override,
        source: 'override',
        reason: `admin override: ${e.override ? 'healthy' : 'unhealthy'}`,
      };
    }
    if (this.adminImpaired.has(e.az))
      return { healthy: false, source: 'az-impaired', reason: `AZ ${e.az} impaired (admin)` };
    if (this.configImpaired.has(e.az)) {
      return { healthy: false, source: 'az-impaired', reason: `AZ ${e.az} impaired (config impairedAzs)` };
    }
    if (e.probe) return { healthy: e.probe.healthy, source: 'probe', reason: e.probe.reason };
    return {
      healthy: e.staticHealthy,
      source: 'static',
      reason: e.staticHealthy ? 'static: healthy' : 'static: healthy: false in the config',
    };
  }

  isHealthy(key: string): boolean {
    const e = this.entries.get(key);
    return e === undefined || this.healthyOf(e);
  }

  /** {@link view}'s verdict without building the view (answer pools ask for every interface). */
  private healthyOf(e: Entry): boolean {
    if (e.override !== undefined) return e.override;
    if (this.adminImpaired.size > 0 && this.adminImpaired.has(e.az)) return false;
    if (this.configImpaired.size > 0 && this.configImpaired.has(e.az)) return false;
    if (e.probe) return e.probe.healthy;
    return e.staticHealthy;
  }

  onTransition(fn: (t: HealthTransition) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** `cause` is added to a transition's reason when the new state's own reason does not tell it. */
  private changed(key: string, cause?: string): void {
    this.generation++;
    const e = this.entries.get(key);
    if (!e) return;
    const healthy = this.healthyOf(e);
    if (e.last !== healthy) {
      const first = e.last === undefined;
      e.last = healthy;
      // The first verdict of a healthy interface is not a transition worth telling.
      if (!first || !healthy) {
        const v = this.view(key);
        this.emit(key, e, v, v.source === 'az-impaired' ? undefined : cause);
      }
    }
  }

  private changedAll(why: string): void {
    for (const key of this.entries.keys()) this.changed(key, why);
    this.generation++;
  }

  private emit(key: string, e: Entry, v: HealthView, cause?: string): void {
    const slash = key.lastIndexOf('/');
    const reason = cause ? `${v.reason} (${cause})` : v.reason;
    const t = { key, endpointId: key.slice(0, slash), az: e.az, healthy: v.healthy, reason };
    for (const l of this.listeners) l(t);
  }
}
