/**
 * The KMS seen by kseal: the narrow async interface every provider implements (the embedded
 * local KMS; Vault Transit and AWS KMS later). A KMS holds key-encryption keys (KEKs) and never
 * hands them out; it generates data-encryption keys (DEKs) and unwraps their encrypted form
 * (EDEK). Nothing here knows about Kafka.
 *
 * Errors are KsealErrors (host/errors.ts):
 * - KMS_UNKNOWN_ALIAS  resolveAlias: no key has this alias (not retriable)
 * - KMS_UNKNOWN_KEY    generateDek/decryptEdek: no key with this id (not retriable)
 * - KMS_INTEGRITY      decryptEdek: the EDEK does not authenticate under its key (not retriable)
 * - KMS_EDEK_INVALID   decryptEdek: bytes are not this provider's EDEK form (not retriable)
 * - KMS_DENIED         credentials or key policy refuse the call (not retriable)
 * - KMS_UNAVAILABLE    the KMS cannot be reached or timed out (retriable)
 */

export interface DekPair {
  /** The 32-byte AES-256 DEK. The caller owns it and wipes it (fill(0)) when done. */
  dek: Buffer;
  /** The DEK wrapped by the KEK, in the provider's serialized form (record-encryption format,
   * "EDEK forms"); it is written into every record the DEK encrypts. */
  edek: Buffer;
}

export interface Kms {
  /** Provider name for logs and metrics ("local", "vault", "aws"). */
  readonly name: string;
  /** Maps an alias (e.g. "KEK-orders") to the id of the alias's current KEK. */
  resolveAlias(alias: string): Promise<string>;
  /** Generates a fresh DEK and wraps it under the KEK `kekId` (an id from resolveAlias). */
  generateDek(kekId: string): Promise<DekPair>;
  /** Unwraps an EDEK this provider produced; returns a 32-byte DEK the caller owns. The EDEK
   * names its own KEK (which may since have been rotated away from its alias). */
  decryptEdek(edek: Buffer): Promise<Buffer>;
  /** Releases connections and wipes key material held in memory. */
  close(): Promise<void>;
}

/** Length of every DEK kseal uses (AES-256). */
export const DEK_BYTES = 32;
