// End-to-end: no suitable Python for the server (only a Python 3.8) -> the extension
// says so: an error notification, the tf-lsp output channel with the reason, and an error status bar item.
import fs from 'node:fs';
import path from 'node:path';
import { log, openFromExplorer, runScenario } from './harness.mjs';

await runScenario('no-python', async ({ tmp, ws }, open) => {
  fs.writeFileSync(path.join(ws, 'main.py'), 'import numpy\n');
  // The only Python the extension may use is too old (code-server rebuilds PATH from the login shell, so the
  // search cannot be emptied through PATH; TF_LSP_SERVER_PYTHON replaces it).
  const old = path.join(tmp, 'python3.8');
  fs.writeFileSync(old, '#!/bin/sh\necho 3.8\n', { mode: 0o755 });
  const { page, shot } = await open({ env: { TF_LSP_SERVER_PYTHON: old } });
  await openFromExplorer(page, 'main.py');         // activates the extension (onLanguage:python)
  const status = page.locator('.statusbar-item', { hasText: 'tf-lsp: no server' }).first();
  await status.waitFor({ timeout: 30000 });
  log(`status bar: ${(await status.innerText()).trim()}`);
  const toast = page.locator('.notification-toast', { hasText: 'needs Python 3.10 or newer' }).first();
  await toast.waitFor({ timeout: 15000 });
  log(`notification: ${(await toast.locator('.notification-list-item-message').innerText()).trim()}`);
  const output = page.locator('.output-view, .output', { hasText: 'needs Python 3.10 or newer' }).first();
  await output.waitFor({ timeout: 15000 });        // the extension reveals its output channel
  const text = await page.locator('.part.panel').innerText();
  if (!/Tried: .*python3\.8: Python 3\.8 is too old/.test(text.replace(/[\n\u00a0]/g, ' '))) throw new Error(`the output lacks what was tried:\n${text}`);
  log('output channel shows the error and what was tried');
  await shot('no-python');
});
