/**
 * /readyz logic: ready only when the filter module is loaded, the target cluster answered
 * recently, and the proxy is not shutting down. A successful cluster probe is remembered for
 * readinessProbeCacheMs so that frequent probes do not each dial a broker; a failed one is not.
 */
import { LIMITS } from "../limits.js";

export interface CheckResult {
  ok: boolean;
  detail: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export interface ReadinessOptions {
  /** undefined when encryption is off (no module needed); else whether the module serves. */
  moduleLoaded: (() => boolean) | undefined;
  /** Resolves with "host:port" of the broker that answered; rejects when none does. */
  probeCluster: () => Promise<string>;
  stopping: () => boolean;
  cacheMs?: number;
  now?: () => number;
}

export class Readiness {
  private lastOkAt = -Infinity;
  private lastOkDetail = "";
  private inFlight: Promise<CheckResult> | undefined;

  constructor(private readonly o: ReadinessOptions) {}

  async check(): Promise<ReadinessReport> {
    const checks: Record<string, CheckResult> = {};
    checks.module = this.o.moduleLoaded === undefined
      ? { ok: true, detail: "encryption off: no filter module needed" }
      : this.o.moduleLoaded()
        ? { ok: true, detail: "filter module loaded" }
        : { ok: false, detail: "filter module not loaded" };
    checks.cluster = await this.cluster();
    checks.shutdown = this.o.stopping() ? { ok: false, detail: "draining for shutdown" } : { ok: true, detail: "serving" };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  private cluster(): Promise<CheckResult> {
    const now = (this.o.now ?? Date.now)();
    if (now - this.lastOkAt < (this.o.cacheMs ?? LIMITS.readinessProbeCacheMs)) {
      return Promise.resolve({ ok: true, detail: this.lastOkDetail });
    }
    // Concurrent probes share one dial.
    this.inFlight ??= this.o.probeCluster().then(
      (who) => {
        this.lastOkAt = (this.o.now ?? Date.now)();
        this.lastOkDetail = `target broker ${who} answered ApiVersions`;
        return { ok: true, detail: this.lastOkDetail };
      },
      (e: unknown) => ({ ok: false, detail: `target cluster did not answer: ${e instanceof Error ? e.message : String(e)}` }),
    ).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }
}
