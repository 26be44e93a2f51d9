// Copy the front-end files the app serves from npm packages into static/vendor/ (git-ignored).
// Fails loudly (non-zero exit, a message naming the missing file) so a broken install is seen.
"use strict";
const fs = require("fs");
const path = require("path");

const VENDOR_FILES = [
  // [file inside node_modules, name under static/vendor]
  ["cytoscape/dist/cytoscape.min.js", "cytoscape.min.js"],
  ["cytoscape/LICENSE", "cytoscape.LICENSE.txt"],
  // Charts of the planning consoles: solve progress, the team network, flows between services.
  ["echarts/dist/echarts.min.js", "echarts.min.js"],
  ["echarts/LICENSE", "echarts.LICENSE.txt"],
  // The API's browsable documentation (/api/v1/docs/), served locally like everything else.
  ["swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-bundle.js"],
  ["swagger-ui-dist/swagger-ui.css", "swagger-ui.css"],
  ["swagger-ui-dist/LICENSE", "swagger-ui.LICENSE.txt"],
];

const here = __dirname;
const target = path.join(here, "static", "vendor");
fs.mkdirSync(target, { recursive: true });
let missing = 0;
for (const [source, name] of VENDOR_FILES) {
  const from = path.join(here, "node_modules", source);
  if (!fs.existsSync(from)) {
    console.error(`copy-vendor: ${from} is missing; run 'npm ci' in web/ first`);
    missing += 1;
    continue;
  }
  fs.copyFileSync(from, path.join(target, name));
}
if (missing) {
  process.exit(1);
}
console.log(`copy-vendor: ${VENDOR_FILES.length} files copied into ${target}`);
