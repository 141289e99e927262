// Prints the self/inclusive-time summary of .cpuprofile files (node --cpu-prof), mapped to host/
// lines through build/host's source maps. Several files are summed (e.g. all worker threads).
// Run: node --import tsx tests/bench/summarize-profile.ts build/bench/profile-*/produce/CPU.*.cpuprofile
import { formatSummary, summarizeProfile } from "./profile-summary.js";

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: summarize-profile.ts FILE.cpuprofile...\n");
  process.exit(2);
}
console.log(formatSummary(summarizeProfile(files, 30)));
