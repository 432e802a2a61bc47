/**
 * `npm run manifest`: writes manifest.json from the factories this repository ships
 * (plugin/factors/index.ts) and the plugin's own part (plugin/manifest/coreManifest.ts). The file is
 * generated, never edited by hand; test/plugin/manifest.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtInFactors } from '../plugin/factors/index.ts';
import { manifestText } from '../plugin/manifest/buildManifest.ts';
import { MANIFEST_URL } from '../plugin/manifest/manifest.ts';

writeFileSync(MANIFEST_URL, manifestText(builtInFactors));
console.log(`Wrote ${fileURLToPath(MANIFEST_URL)} (${builtInFactors.length} factors).`);
