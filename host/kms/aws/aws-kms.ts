/**
 * AWS KMS as kseal's KMS. A KEK is a symmetric KMS key found by its alias (alias/<name>); kseal
 * stores the key's id in the EDEK, so re-pointing the alias to a new key (rotation) leaves old
 * EDEKs decryptable by the key that made them. Calls:
 *   resolveAlias  DescribeKey {KeyId: "alias/<alias>"}          -> KeyMetadata.KeyId
 *   generateDek   GenerateDataKey {KeyId, KeySpec: AES_256}     -> Plaintext, CiphertextBlob
 *   decryptEdek   Decrypt {KeyId, CiphertextBlob}               -> Plaintext
 * The SDK's own retries are off (one attempt): retries, timeouts and the circuit breaker are
 * kseal's (resilient-kms.ts), so a slow KMS is not hit by two retry loops at once.
 */
import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { KsealError } from "../../errors.js";
import { checkAlias } from "../alias.js";
import { DEK_BYTES, type DekPair, type Kms } from "../kms.js";
import { decodeAwsEdek, encodeAwsEdek } from "./aws-edek.js";
import { AWS_REGION, type AwsKmsOptions } from "./aws-options.js";

const UNAVAILABLE = new Set([
  "KMSInternalException", "DependencyTimeoutException", "KeyUnavailableException", "ThrottlingException",
  "LimitExceededException", "ServiceUnavailableException", "InternalFailure", "RequestTimeout", "TimeoutError",
]);
const DENIED = new Set([
  "AccessDeniedException", "DisabledException", "KMSInvalidStateException", "UnrecognizedClientException",
  "InvalidSignatureException", "ExpiredTokenException", "IncompleteSignature", "InvalidClientTokenId",
  "CredentialsProviderError", "InvalidKeyUsageException",
]);

function classify(e: unknown, what: string, notFound: "KMS_UNKNOWN_ALIAS" | "KMS_UNKNOWN_KEY"): KsealError {
  const err = e as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  const name = err.name ?? "Error";
  if (name === "NotFoundException") return new KsealError(notFound, `AWS KMS ${what}: not found`, { cause: e });
  if (name === "InvalidCiphertextException" || name === "IncorrectKeyException") {
    return new KsealError("KMS_INTEGRITY", `AWS KMS ${what}: ${name}`, { cause: e });
  }
  if (DENIED.has(name)) return new KsealError("KMS_DENIED", `AWS KMS ${what}: ${name}`, { cause: e });
  if (UNAVAILABLE.has(name) || err.$fault === "server" || (err.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new KsealError("KMS_UNAVAILABLE", `AWS KMS ${what}: ${name}`, { cause: e });
  }
  if (err.$fault === "client") return new KsealError("KMS_DENIED", `AWS KMS ${what}: ${name}`, { cause: e });
  // No service answer at all: socket errors, DNS, aborted requests.
  return new KsealError("KMS_UNAVAILABLE", `AWS KMS ${what}: ${err.code ?? name}`, { cause: e });
}

export function checkAwsOptions(o: AwsKmsOptions): void {
  if (!AWS_REGION.test(o.region)) throw new KsealError("CONFIG_INVALID", `encryption.kms.region ${JSON.stringify(o.region)} is not an AWS region name`);
  if (o.endpoint !== undefined) {
    let u: URL;
    try {
      u = new URL(o.endpoint);
    } catch {
      throw new KsealError("CONFIG_INVALID", "encryption.kms.endpoint is not a URL");
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new KsealError("CONFIG_INVALID", "encryption.kms.endpoint must be http:// or https://");
  }
  if (o.credentials && (!o.credentials.accessKeyId || !o.credentials.secretAccessKey)) {
    throw new KsealError("CONFIG_INVALID", "encryption.kms.credentials needs accessKeyId and secretAccessKey");
  }
}

export class AwsKms implements Kms {
  readonly name = "aws";
  private readonly client: KMSClient;
  private closed = false;

  constructor(opts: AwsKmsOptions) {
    checkAwsOptions(opts);
    const timeout = opts.requestTimeoutMs ?? 10_000;
    this.client = new KMSClient({
      region: opts.region,
      endpoint: opts.endpoint,
      credentials: opts.credentials,
      maxAttempts: 1,
      requestHandler: { requestTimeout: timeout, connectionTimeout: timeout },
    });
  }

  async resolveAlias(alias: string): Promise<string> {
    this.checkOpen();
    checkAlias(alias);
    let out;
    try {
      out = await this.client.send(new DescribeKeyCommand({ KeyId: `alias/${alias}` }));
    } catch (e) {
      throw classify(e, "DescribeKey", "KMS_UNKNOWN_ALIAS");
    }
    const meta = out.KeyMetadata;
    if (!meta?.KeyId) throw new KsealError("KMS_UNAVAILABLE", "AWS KMS DescribeKey: answer has no KeyId");
    if (meta.KeySpec && meta.KeySpec !== "SYMMETRIC_DEFAULT") {
      throw new KsealError("KMS_DENIED", `AWS KMS key behind alias/${alias} is ${meta.KeySpec}, not SYMMETRIC_DEFAULT`);
    }
    return meta.KeyId;
  }

  async generateDek(kekId: string): Promise<DekPair> {
    this.checkOpen();
    let out;
    try {
      out = await this.client.send(new GenerateDataKeyCommand({ KeyId: kekId, KeySpec: "AES_256" }));
    } catch (e) {
      throw classify(e, "GenerateDataKey", "KMS_UNKNOWN_KEY");
    }
    const plain = out.Plaintext;
    if (!plain || plain.length !== DEK_BYTES || !out.CiphertextBlob) {
      plain?.fill(0);
      throw new KsealError("KMS_UNAVAILABLE", "AWS KMS GenerateDataKey: answer lacks a 32-byte key or its blob");
    }
    const dek = Buffer.from(plain);
    plain.fill(0);
    return { dek, edek: encodeAwsEdek({ keyId: kekId, blob: Buffer.from(out.CiphertextBlob) }) };
  }

  async decryptEdek(edek: Buffer): Promise<Buffer> {
    this.checkOpen();
    const e = decodeAwsEdek(edek);
    let out;
    try {
      out = await this.client.send(new DecryptCommand({ KeyId: e.keyId, CiphertextBlob: e.blob }));
    } catch (err) {
      throw classify(err, "Decrypt", "KMS_UNKNOWN_KEY");
    }
    const plain = out.Plaintext;
    // The answer names the key that decrypted (an ARN): it must be the EDEK's own key.
    const usedKey = out.KeyId ?? "";
    if (!plain || plain.length !== DEK_BYTES || (usedKey && usedKey !== e.keyId && !usedKey.endsWith(`:key/${e.keyId}`) && !e.keyId.endsWith(usedKey))) {
      plain?.fill(0);
      throw new KsealError("KMS_INTEGRITY", "AWS KMS Decrypt: answer is not a 32-byte DEK from the EDEK's key");
    }
    const dek = Buffer.from(plain);
    plain.fill(0);
    return dek;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }

  private checkOpen(): void {
    if (this.closed) throw new KsealError("KMS_UNAVAILABLE", "AWS KMS client is closed");
  }
}
