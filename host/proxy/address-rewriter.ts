/**
 * The first filter on the response path: makes clients dial only the proxy.
 *
 * - ApiVersions: caps each API's max version to what the proxy's codec decodes (never raises a
 *   min; Produce keeps min 0 as brokers advertise it, librdkafka < 2.11.1 needs that).
 * - Metadata, DescribeCluster, FindCoordinator (single v0-3 and batched v4+), Produce v10+ and
 *   Fetch v16+ NodeEndpoints, ShareFetch / ShareAcknowledge NodeEndpoints: every broker host/port
 *   becomes the proxy's advertised host and that node's proxy port. Node ids and the cluster id
 *   are kept, so leader ids, replica lists and coordinator ids stay meaningful.
 * - Metadata also feeds the topic id ↔ name map.
 */
import { KsealError } from "../errors.js";
import type { FilterContext, ProxyFilter } from "./filter.js";
import { API } from "./api-keys.js";

interface Endpoint {
  nodeId?: number;
  brokerId?: number;
  host: string;
  port: number;
}

interface ApiVersionEntry {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** Which responses carry addresses, by version. */
export function responseHasAddresses(apiKey: number, version: number): boolean {
  switch (apiKey) {
    case API.Metadata:
    case API.FindCoordinator:
    case API.DescribeCluster:
    case API.ShareFetch:
    case API.ShareAcknowledge:
      return true;
    case API.Produce:
      return version >= 10;
    case API.Fetch:
      return version >= 16;
    default:
      return false;
  }
}

/** The endpoint objects of a decoded response, in place (so rewriting them edits the message). */
export function endpointsOf(apiKey: number, version: number, msg: Record<string, unknown>): Endpoint[] {
  const list = (v: unknown): Endpoint[] => (Array.isArray(v) ? (v as Endpoint[]) : []);
  switch (apiKey) {
    case API.Metadata:
    case API.DescribeCluster:
      return list(msg.brokers);
    case API.FindCoordinator:
      return version >= 4 ? list(msg.coordinators) : [msg as unknown as Endpoint];
    case API.Produce:
    case API.Fetch:
    case API.ShareFetch:
    case API.ShareAcknowledge:
      return list(msg.nodeEndpoints);
    default:
      return [];
  }
}

function idOf(e: Endpoint): number {
  return (e.nodeId ?? e.brokerId ?? -1) as number;
}

/** Versions the proxy decodes for an API key. */
export interface VersionRange {
  minVersion: number;
  maxVersion: number;
}

export interface AddressRewriterOptions {
  /** The version range the proxy decodes for an API key, undefined when it never decodes it. */
  codecRange(apiKey: number): VersionRange | undefined;
}

export function createAddressRewriter(opts: AddressRewriterOptions): ProxyFilter {
  return {
    name: "address-rewriter",
    wantsResponse(apiKey, version) {
      return apiKey === API.ApiVersions || responseHasAddresses(apiKey, version);
    },
    async onResponse(ctx: FilterContext, raw: unknown): Promise<boolean> {
      const msg = raw as Record<string, unknown>;
      const { apiKey, apiVersion } = ctx.header;
      if (apiKey === API.ApiVersions) return capApiVersions(msg, opts.codecRange);
      // Controller endpoints (DescribeCluster v1+ EndpointType 2, served only by controllers) are
      // not brokers: mapping their ids would send that node id's clients to a controller.
      if (apiKey === API.DescribeCluster && msg.endpointType === 2) return false;
      if (apiKey === API.Metadata && Array.isArray(msg.topics)) {
        for (const t of msg.topics as Array<{ topicId?: Buffer | string; name?: string | null }>) {
          ctx.proxy.topics.set(t.topicId, t.name);
        }
      }
      const eps = endpointsOf(apiKey, apiVersion, msg).filter((e) => idOf(e) >= 0 && e.port > 0);
      if (eps.length === 0) return false;
      await ctx.proxy.nodes.learn(eps.map((e) => ({ nodeId: idOf(e), host: e.host, port: e.port })));
      for (const e of eps) {
        const port = ctx.proxy.nodes.portOf(idOf(e));
        // Fail closed: a response that still names a real broker would let the client bypass us.
        if (port === undefined) throw new KsealError("UNKNOWN_NODE", `node ${idOf(e)}`);
        e.host = ctx.proxy.nodeHost?.(idOf(e)) ?? ctx.proxy.advertisedHost;
        e.port = port;
      }
      return true;
    },
  };
}

/**
 * Caps max versions in an ApiVersions response in place; returns whether anything changed.
 * An API whose advertised range has no version the codec decodes is hidden. Mins are never
 * raised (librdkafka < 2.11.1 derives features from Produce v0 being listed).
 */
export function capApiVersions(msg: Record<string, unknown>, codecRange: (apiKey: number) => VersionRange | undefined): boolean {
  const keys = msg.apiKeys as ApiVersionEntry[] | undefined;
  if (!Array.isArray(keys)) return false;
  let changed = false;
  const kept: ApiVersionEntry[] = [];
  for (const k of keys) {
    const range = codecRange(k.apiKey);
    if (range !== undefined) {
      // No version both sides speak: hide the API rather than advertise one we cannot parse.
      if (range.maxVersion < k.minVersion || k.maxVersion < range.minVersion) {
        changed = true;
        continue;
      }
      if (k.maxVersion > range.maxVersion) {
        k.maxVersion = range.maxVersion;
        changed = true;
      }
    }
    kept.push(k);
  }
  if (changed) msg.apiKeys = kept;
  return changed;
}
