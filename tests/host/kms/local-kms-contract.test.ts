import { randomUUID } from "node:crypto";
import { join } from "node:path";
import t from "tap";
import { LocalKms } from "../../../host/kms/local/local-kms.js";
import { tempDir } from "./helpers.js";
import { runKmsContract } from "./kms-contract.js";

for (const passphrase of [undefined, "contract passphrase"]) {
  runKmsContract(t, `local KMS${passphrase ? " (passphrase)" : ""}`, async () => {
    const path = join(tempDir(t), "local-kms.json");
    const kms = await LocalKms.open({ path, passphrase, autoCreate: false });
    // The administrator is another process sharing the key file, as `kseal keys` would be.
    const admin = await LocalKms.open({ path, passphrase, autoCreate: false });
    return {
      kms,
      createKey: async (alias) => { await admin.createKek(alias); },
      rotateKey: async (alias) => { await admin.rotate(alias); },
      unknownKekId: () => randomUUID(),
      close: async () => { await kms.close(); await admin.close(); },
    };
  });
}
