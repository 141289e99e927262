// assembly/abi/self-test-vectors.ts is generated: regenerate it and fail on any difference, and
// check the GCM answers against the values published in the GCM specification.
import t from "tap";
import { readFileSync } from "node:fs";
import { VECTORS_PATH, renderSelfTestVectors } from "./support/self-test-vectors.js";

t.test("checked-in self-test vectors match their generator", async (t) => {
  const rendered = renderSelfTestVectors();
  t.equal(readFileSync(VECTORS_PATH, "utf8"), rendered, "run: node --import tsx tests/host/wasm/support/self-test-vectors.ts --write");
  const flat = rendered.replace(/0x|,|\s/g, "");
  t.ok(flat.includes("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"), "test case 14 ciphertext and tag");
  t.ok(flat.includes("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b"), "test case 16 ciphertext and tag");
});
