/**
 * The hook through which request and response processing plugs into the proxy.
 *
 * A filter names the (apiKey, version) pairs it wants to see decoded; the proxy decodes those
 * with the protocol codecs, hands the plain object to each interested filter, and re-encodes
 * only when a filter reports a change (so untouched frames leave byte-identical). Requests pass
 * the filters in list order, responses in reverse order. Hooks may be async: a connection
 * forwards requests and writes responses in request order regardless.
 */
import type { NodePorts } from "./node-ports.js";
import type { TopicMap } from "./topic-map.js";

/** Shared state of one proxy (virtual cluster) that filters may read and update. */
export interface ProxyState {
  readonly topics: TopicMap;
  readonly nodes: NodePorts;
  /** Host written into rewritten responses. */
  readonly advertisedHost: string;
  /** Host a node is advertised under, when it differs per node (SNI gateway mode). */
  readonly nodeHost?: (nodeId: number) => string;
}

export interface RequestHeaderInfo {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export interface FilterContext {
  readonly proxy: ProxyState;
  readonly connectionId: number;
  /** The broker node this connection is pinned to; undefined on a bootstrap connection. */
  readonly nodeId: number | undefined;
  readonly header: RequestHeaderInfo;
}

/** What a hook returns: true when it changed the message (so the proxy must re-encode it). */
export type FilterResult = boolean | Promise<boolean>;

export interface ProxyFilter {
  readonly name: string;
  wantsRequest?(apiKey: number, apiVersion: number): boolean;
  wantsResponse?(apiKey: number, apiVersion: number): boolean;
  onRequest?(ctx: FilterContext, msg: unknown): FilterResult;
  onResponse?(ctx: FilterContext, msg: unknown): FilterResult;
}
