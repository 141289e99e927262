// Every policy decision of this build, in one place: policy variants of the filter are built by
// swapping this file. The defaults follow the on-broker format spec and fail closed.

/** Whether a record gets encrypted. Tombstones (null value) never are, so compaction keeps
 * working; a record already carrying the encryption header is not encrypted twice. */
export function shouldEncrypt(valueLen: i32, hasEncryptionHeader: bool): bool {
  return valueLen >= 0 && !hasEncryptionHeader;
}

/** When any record of a batch fails to decrypt, the whole batch fails: no output batch, only the
 * per-record failure table (true). false would pass the failed records through still encrypted. */
export const DECRYPT_FAILS_WHOLE_BATCH: bool = true;

/** Batches with a magic other than 2 (message sets v0/v1) cannot hold encrypted records: decrypt
 * passes them through (true) or refuses them with BATCH_MAGIC_UNSUPPORTED (false). Encrypt always
 * refuses them. */
export const DECRYPT_PASSES_OLD_MAGIC: bool = true;

// --- per-build policies (assembly/policy/, docs/policies.md) ---
import { IS_STRICT } from "../policy/policy-id";

/** Whether decrypt_batch fails a fetched record that carries no encryption header (strict: a
 * plaintext value in an encrypted topic was written behind the proxy's back). Tombstones stay
 * legal: encryption never touches them. */
export function refusesPlaintext(valueLen: i32): bool {
  return IS_STRICT && valueLen >= 0;
}
