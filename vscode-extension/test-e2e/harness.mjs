// Shared by the end-to-end scripts: install the .vsix into throwaway folders, start code-server on a free port,
// open the workspace in headless Chromium (playwright-core), take screenshots, clean up.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ext = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const repo = path.dirname(ext);
const codeServer = process.env.CODE_SERVER || path.join(repo, '.cache/code-server/node_modules/.bin/code-server');
const vsix = process.env.TF_LSP_VSIX || path.join(ext, 'dist/tf-lsp.vsix');
export const artifacts = process.env.TF_LSP_ARTIFACTS || path.join(repo, 'tests/artifacts/vscode');
const t0 = Date.now();
export const log = (msg) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

export function makeTmp() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-lsp-vscode-'));
  const ws = path.join(tmp, 'ws');
  fs.mkdirSync(ws, { recursive: true });
  fs.mkdirSync(artifacts, { recursive: true });
  return { tmp, ws };
}

const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'window.commandCenter': false,
  'chat.commandCenter.enabled': false,
};

/** Installs the .vsix, starts code-server and opens `ws` in Chromium. `env` is merged into code-server's environment. */
export async function openWorkbench({ tmp, ws, settings = {}, env = {} }) {
  const userData = path.join(tmp, 'user-data');
  const extDir = path.join(tmp, 'extensions');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User/settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  const childEnv = { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'), XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache') };
  execFileSync(codeServer, ['--install-extension', vsix, '--user-data-dir', userData, '--extensions-dir', extDir],
    { env: childEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  log('extension installed');
  const port = await freePort();
  const server = spawn(process.execPath, [fs.realpathSync(codeServer), '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', userData,
    '--extensions-dir', extDir, ws], { env: { ...childEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let serverLog = '';
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('code-server did not start in 30 s')), 30000);
    const onData = (d) => { serverLog += d; if (/HTTP server listening/.test(serverLog)) { clearTimeout(timer); resolve(); } };
    server.stdout.on('data', onData); server.stderr.on('data', onData);
    server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited with ${code}`)); });
  });
  const killServer = () => { try { process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ } };
  try { await started; } catch (err) { killServer(); throw new Error(`${err.message}\n${serverLog}`); }
  log(`code-server on port ${port}`);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 30000 });
  return {
    page,
    shot: (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) }),
    serverLog: () => serverLog,
    async close() { await browser.close().catch(() => undefined); killServer(); },
  };
}

/** Opens a file of the workspace from the Explorer. */
export async function openFromExplorer(page, name) {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name });
  await row.waitFor({ timeout: 20000 });
  await row.click();
  await page.waitForSelector('.monaco-editor .view-lines', { timeout: 15000 });
}

/** Runs a scenario; exit code 0 when it passes. Keeps the temporary folder when it fails. */
export async function runScenario(name, body) {
  const dirs = makeTmp();
  let bench;
  let ok = false;
  try {
    await body(dirs, async (opts) => { bench = await openWorkbench({ ...dirs, ...opts }); return bench; });
    ok = true;
  } catch (err) {
    await bench?.shot(`${name}-failure`).catch(() => undefined);
    console.error(`E2E FAILED: ${err.stack || err}`);
    if (bench) console.error(`--- code-server log ---\n${bench.serverLog().slice(-4000)}`);
  } finally {
    await bench?.close();
    if (ok) fs.rmSync(dirs.tmp, { recursive: true, force: true });
    else console.error(`kept ${dirs.tmp} for inspection`);
  }
  log(ok ? 'PASS' : 'FAIL');
  process.exit(ok ? 0 : 1);
}
