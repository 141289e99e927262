// Raw AES-GCM exports for differential tests only (build/test/gcm-test.wasm); never shipped.
export function placeholder(): i32 { return 0; }
