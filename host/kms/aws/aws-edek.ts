/**
 * The AWS KMS EDEK form (record-encryption format, "EDEK forms", AWS KMS):
 *
 *   1 byte    serde version 0x00
 *   uvarint   length of the KeyId (LEB128)
 *   n bytes   KeyId as DescribeKey returned it (the key's id, never the alias), UTF-8
 *   rest      CiphertextBlob of GenerateDataKey, to the end
 */
import { KsealError } from "../../errors.js";
import { EDEK_MAX_BYTES, readUvarint, writeUvarint } from "../vault/vault-edek.js";

export interface AwsEdek {
  keyId: string;
  blob: Buffer;
}

export const AWS_EDEK_VERSION = 0;

export function encodeAwsEdek(e: AwsEdek): Buffer {
  const id = Buffer.from(e.keyId, "utf8");
  const edek = Buffer.concat([Buffer.from([AWS_EDEK_VERSION]), writeUvarint(id.length), id, e.blob]);
  if (edek.length > EDEK_MAX_BYTES) throw new KsealError("KMS_EDEK_INVALID", `AWS EDEK would be ${edek.length} bytes`);
  return edek;
}

export function decodeAwsEdek(edek: Buffer): AwsEdek {
  if (edek.length < 3 || edek[0] !== AWS_EDEK_VERSION) throw new KsealError("KMS_EDEK_INVALID", "AWS EDEK does not start with serde version 0");
  const [len, n] = readUvarint(edek, 1);
  const start = 1 + n;
  if (len === 0 || start + len >= edek.length) throw new KsealError("KMS_EDEK_INVALID", "AWS EDEK KeyId length is out of range");
  let keyId: string;
  try {
    keyId = new TextDecoder("utf-8", { fatal: true }).decode(edek.subarray(start, start + len));
  } catch {
    throw new KsealError("KMS_EDEK_INVALID", "AWS EDEK KeyId is not UTF-8");
  }
  return { keyId, blob: Buffer.from(edek.subarray(start + len)) };
}
