// End-to-end for notebooks: a real .ipynb opened with VS Code's built-in notebook support (no Jupyter extension, no
// kernel). The workspace's interpreter (.venv) lacks `six`; another venv of the workspace (six-env) has it. The
// squiggle appears inside the notebook cell; the quick fix "Use six-env … for this notebook" is applied with
// Ctrl+. Enter; the squiggle goes away. Exit 0 on success; screenshots in $TF_LSP_ARTIFACTS.
//
// Environment: as run.mjs (CODE_SERVER, TF_LSP_VSIX, CHROMIUM, TF_LSP_E2E_VENV_PYTHON, TF_LSP_E2E_PIP_PYTHON).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { log, openFromExplorer, runScenario } from './harness.mjs';

const venvPython = process.env.TF_LSP_E2E_VENV_PYTHON || 'python3.11';
const pipPython = process.env.TF_LSP_E2E_PIP_PYTHON || 'python3';

const cell = (kind, source) => ({ cell_type: kind, metadata: {}, source,
  ...(kind === 'code' ? { execution_count: null, outputs: [] } : {}) });
const NOTEBOOK = {
  cells: [
    cell('markdown', ['# Exploring\n']),
    cell('code', ['%matplotlib inline\n', 'import os\n', 'import six\n']),
    cell('code', ['print(six.PY3)\n']),
  ],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
    language_info: { name: 'python' } },
  nbformat: 4, nbformat_minor: 5,
};

await runScenario('notebook', async ({ ws }, open) => {
  fs.writeFileSync(path.join(ws, 'explore.ipynb'), JSON.stringify(NOTEBOOK, null, 1));
  const bare = path.join(ws, '.venv');
  const good = path.join(ws, 'six-env');
  execFileSync(venvPython, ['-m', 'venv', '--without-pip', bare]);
  execFileSync(venvPython, ['-m', 'venv', '--without-pip', good]);
  execFileSync(pipPython, ['-m', 'pip', '--disable-pip-version-check', '-q', '--python', path.join(good, 'bin/python'),
    'install', 'six'], { stdio: ['ignore', 'ignore', 'inherit'] });
  log('venvs ready');

  const { page, shot } = await open({ settings: { 'tfLsp.interpreter': path.join(bare, 'bin/python') } });
  // Clicked too early, an .ipynb can open as raw JSON: let the workbench settle first.
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 20000 });
  await page.waitForTimeout(8000);
  await openFromExplorer(page, 'explore.ipynb');
  await page.locator('.notebook-editor .view-line', { hasText: 'import six' }).first().waitFor({ timeout: 20000 });
  log('explore.ipynb open as a notebook');

  // 1. the squiggle inside the first code cell, on `import six`.
  await page.waitForSelector('.notebook-editor .squiggly-error', { timeout: 45000 });
  log('squiggle shown in the cell');
  await shot('notebook-1-squiggle');

  // 2. quick fixes on `six`: Ctrl+. and pick "Use six-env ... for this notebook".
  await page.locator('.notebook-editor .view-line', { hasText: 'import six' }).first().click();
  await page.keyboard.press('Home');
  for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');  // into `six`
  await page.keyboard.press('Control+.');
  const widget = page.locator('.action-widget');
  await widget.locator('.monaco-list-row', { hasText: 'six-env' }).first().waitFor({ timeout: 15000 });
  const rows = widget.locator('.monaco-list-row.action');
  const titles = (await rows.allInnerTexts()).map((x) => x.trim());
  log(`quick fixes: ${titles.join(' | ')}`);
  await shot('notebook-2-quickfix');
  const index = titles.findIndex((x) => /^Use six-env.*for this notebook/.test(x));
  if (index < 0) throw new Error(`no "Use six-env … for this notebook" quick fix among: ${titles.join(' | ')}`);
  const focused = () => rows.evaluateAll((els) => els.findIndex((r) => r.classList.contains('focused')));
  for (let guard = 0; guard < 30 && (await focused()) !== index; guard++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');

  // 3. the squiggle goes away (the notebook, not the folder, now runs with six-env).
  await page.waitForFunction(() => document.querySelectorAll('.notebook-editor .squiggly-error').length === 0,
    null, { timeout: 30000 });
  log('squiggle gone');
  await shot('notebook-3-fixed');
});
