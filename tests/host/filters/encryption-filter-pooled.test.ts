// The encryption filter's tests again, with the crypto in the sandbox's worker pool (as `kseal
// start` runs it): produce encryption and fetch decryption go through worker calls, with DEKs
// sent along per call and fetch key hints.
process.env.KSEAL_TEST_FILTER_POOL = "1";
await import("./encryption-filter.test.js");
