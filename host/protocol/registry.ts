/** The codecs kseal decodes, by API key. Every other API key is forwarded as opaque bytes. */
import type { ApiCodec } from "./codec.js";
import { apiVersionsCodec } from "./messages/api-versions.js";
import { describeClusterCodec } from "./messages/describe-cluster.js";
import { fetchCodec } from "./messages/fetch.js";
import { findCoordinatorCodec } from "./messages/find-coordinator.js";
import { metadataCodec } from "./messages/metadata.js";
import { produceCodec } from "./messages/produce.js";
import { shareAcknowledgeCodec } from "./messages/share-acknowledge.js";
import { shareFetchCodec } from "./messages/share-fetch.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCodec = ApiCodec<any, any>;

export const CODECS: readonly AnyCodec[] = [
  produceCodec,
  fetchCodec,
  metadataCodec,
  findCoordinatorCodec,
  apiVersionsCodec,
  describeClusterCodec,
  shareFetchCodec,
  shareAcknowledgeCodec,
];

const BY_KEY: ReadonlyMap<number, AnyCodec> = new Map(CODECS.map((c) => [c.apiKey, c]));

export function codecFor(apiKey: number): AnyCodec | undefined {
  return BY_KEY.get(apiKey);
}

/** True when kseal can decode this API key at this version. */
export function decodes(apiKey: number, apiVersion: number): boolean {
  const c = BY_KEY.get(apiKey);
  return c !== undefined && apiVersion >= c.minVersion && apiVersion <= c.maxVersion;
}
