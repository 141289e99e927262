/**
 * ApiVersions (key 18), v0-5, flexible from v3. Its response header is always v0 (KIP-511).
 *
 * Request
 *   v0-2: (empty body)
 *   v3+:  ClientSoftwareName compact string | ClientSoftwareVersion compact string
 *   v5+:  ClusterId compact nullable string | NodeId int32           (KIP-1242, Kafka 4.4)
 * Response
 *   ErrorCode int16 | ApiKeys [ApiKey int16 | MinVersion int16 | MaxVersion int16]
 *   v1+: ThrottleTimeMs int32
 *   v3+ tagged: 0 SupportedFeatures [Name string | MinVersion int16 | MaxVersion int16]
 *               1 FinalizedFeaturesEpoch int64
 *               2 FinalizedFeatures [Name string | MaxVersionLevel int16 | MinVersionLevel int16]
 *               3 ZkMigrationReady bool
 *   (v4 only allows SupportedFeatures MinVersion 0; v5 adds REBOOTSTRAP_REQUIRED on a
 *   ClusterId/NodeId mismatch — no layout change after v3.)
 *
 * v0 fallback quirk: a broker that does not support the requested ApiVersions version does not
 * parse the body and answers in the v0 body layout with UNSUPPORTED_VERSION (35) and ApiKeys
 * holding only its own ApiVersions range. Like the Java client, decodeResponse first tries the
 * requested version and, if that fails, v0; such a message carries `bodyVersion: 0` and
 * encodeResponse writes it back in the v0 layout. For a requested version above this codec's
 * maximum only that v0 error body is accepted.
 */
import { isKsealError } from "../../errors.js";
import type { ApiCodec } from "../codec.js";
import { decodeMessage, encodeMessage, field, arrayOf, struct } from "../schema.js";
import { checkVersion } from "../schema-codec.js";
import type { Tagged } from "./common.js";

export interface ApiVersionsRequest extends Tagged {
  clientSoftwareName?: string;
  clientSoftwareVersion?: string;
  clusterId?: string | null;
  nodeId?: number;
}

export interface ApiVersion extends Tagged {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface SupportedFeatureKey extends Tagged {
  name: string;
  minVersion: number;
  maxVersion: number;
}

export interface FinalizedFeatureKey extends Tagged {
  name: string;
  maxVersionLevel: number;
  minVersionLevel: number;
}

export interface ApiVersionsResponse extends Tagged {
  errorCode: number;
  apiKeys: ApiVersion[];
  throttleTimeMs?: number;
  supportedFeatures?: SupportedFeatureKey[];
  finalizedFeaturesEpoch?: bigint;
  finalizedFeatures?: FinalizedFeatureKey[];
  zkMigrationReady?: boolean;
  /** Set to 0 when the broker answered in the v0 layout (see the fallback quirk above). */
  bodyVersion?: 0;
}

const FLEXIBLE_FROM = 3;

const RequestSchema = struct("ApiVersionsRequest", [
  field("clientSoftwareName", "string", "3+"),
  field("clientSoftwareVersion", "string", "3+"),
  field("clusterId", "string", "5+", { nullable: "5+", default: null }),
  field("nodeId", "int32", "5+", { default: -1 }),
]);

const ResponseSchema = struct("ApiVersionsResponse", [
  field("errorCode", "int16"),
  field(
    "apiKeys",
    arrayOf(
      struct("ApiVersion", [field("apiKey", "int16"), field("minVersion", "int16"), field("maxVersion", "int16")]),
    ),
  ),
  field("throttleTimeMs", "int32", "1+"),
  field(
    "supportedFeatures",
    arrayOf(
      struct("SupportedFeatureKey", [
        field("name", "string"),
        field("minVersion", "int16"),
        field("maxVersion", "int16"),
      ]),
    ),
    "3+",
    { tag: 0 },
  ),
  field("finalizedFeaturesEpoch", "int64", "3+", { tag: 1 }),
  field(
    "finalizedFeatures",
    arrayOf(
      struct("FinalizedFeatureKey", [
        field("name", "string"),
        field("maxVersionLevel", "int16"),
        field("minVersionLevel", "int16"),
      ]),
    ),
    "3+",
    { tag: 2 },
  ),
  field("zkMigrationReady", "bool", "3+", { tag: 3 }),
]);

const def = { name: "ApiVersions", minVersion: 0, maxVersion: 5 };

function decodeV0Fallback(body: Buffer): ApiVersionsResponse {
  const msg = decodeMessage(ResponseSchema, body, 0, FLEXIBLE_FROM) as unknown as ApiVersionsResponse;
  msg.bodyVersion = 0;
  return msg;
}

export const apiVersionsCodec: ApiCodec<ApiVersionsRequest, ApiVersionsResponse> = {
  apiKey: 18,
  name: def.name,
  minVersion: def.minVersion,
  maxVersion: def.maxVersion,
  flexibleFrom: FLEXIBLE_FROM,
  decodeRequest(body, version) {
    checkVersion(def, version);
    return decodeMessage(RequestSchema, body, version, FLEXIBLE_FROM) as unknown as ApiVersionsRequest;
  },
  encodeRequest(msg, version) {
    checkVersion(def, version);
    return encodeMessage(RequestSchema, msg, version, FLEXIBLE_FROM);
  },
  decodeResponse(body, version) {
    if (Number.isInteger(version) && version > def.maxVersion) {
      let msg: ApiVersionsResponse | undefined;
      try {
        msg = decodeV0Fallback(body);
      } catch {
        msg = undefined;
      }
      if (msg?.errorCode === 35) return msg;
      checkVersion(def, version);
    }
    checkVersion(def, version);
    try {
      return decodeMessage(ResponseSchema, body, version, FLEXIBLE_FROM) as unknown as ApiVersionsResponse;
    } catch (e) {
      if (version === 0 || !isKsealError(e, "FRAME_MALFORMED")) throw e;
      try {
        return decodeV0Fallback(body);
      } catch {
        throw e;
      }
    }
  },
  encodeResponse(msg, version) {
    if (msg.bodyVersion === 0) return encodeMessage(ResponseSchema, msg, 0, FLEXIBLE_FROM);
    checkVersion(def, version);
    return encodeMessage(ResponseSchema, msg, version, FLEXIBLE_FROM);
  },
};
