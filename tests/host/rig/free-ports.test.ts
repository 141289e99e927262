import { createServer } from "node:net";
import t from "tap";
import { freePorts } from "../../rig/free-ports.js";

t.test("ports are distinct and bindable on loopback", async (t) => {
  const ports = await freePorts(8);
  t.equal(new Set(ports).size, 8);
  for (const port of ports) {
    await new Promise<void>((resolve, reject) => {
      const srv = createServer().once("error", reject);
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve()));
    });
  }
});
