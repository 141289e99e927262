/**
 * The shape every Kafka message codec in host/protocol/messages/ has.
 *
 * A codec turns the body of one request or response (the bytes after the request or response
 * header) into a plain object and back, for every version kseal decodes. Field names are the
 * lowerCamelCase forms of the field names in Kafka's message definitions (e.g. `throttleTimeMs`,
 * `nodeEndpoints`). Every flexible struct keeps the tagged fields it does not know in
 * `unknownTaggedFields`, and re-encoding writes them back unchanged.
 */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

export interface ApiCodec<Req, Res> {
  apiKey: number;
  name: string;
  /** Lowest and highest version this codec decodes and encodes. */
  minVersion: number;
  maxVersion: number;
  /** First flexible version (tagged fields, compact encodings), or Infinity when never. */
  flexibleFrom: number;
  decodeRequest(body: Buffer, version: number): Req;
  encodeRequest(msg: Req, version: number): Buffer;
  decodeResponse(body: Buffer, version: number): Res;
  encodeResponse(msg: Res, version: number): Buffer;
  /** The same encodings as parts to write in sequence (record bytes by reference, not joined):
   * the proxy writes them to the socket as they are, saving a copy of every rewritten message. */
  encodeRequestParts?(msg: Req, version: number): Buffer[];
  encodeResponseParts?(msg: Res, version: number): Buffer[];
}
