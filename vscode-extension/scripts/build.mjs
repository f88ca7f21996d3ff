// Bundles the extension (dist/extension.js, `vscode` external) and the pure modules for node's test runner (out/).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const common = { platform: 'node', target: 'node18', format: 'cjs', logLevel: 'warning', absWorkingDir: root };
await build({ ...common, entryPoints: ['src/extension.ts'], bundle: true, external: ['vscode'],
  outfile: 'dist/extension.js', sourcemap: true, minify: false });
await build({ ...common, entryPoints: ['src/logic.ts', 'src/pythonApis.ts', 'src/serverLaunch.ts'], bundle: false,
  outdir: 'out' });
console.log('built dist/extension.js and out/');
