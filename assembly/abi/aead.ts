// The one place the filter touches AES-256-GCM (assembly/crypto/gcm.ts, pointer-based).
export { GCM_CONTEXT_BYTES, gcmInit, gcmWipe, gcmSeal, gcmOpen } from "../crypto/gcm";
