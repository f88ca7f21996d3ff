// End-to-end: the packaged .vsix in real VS Code (code-server) driven by headless Chromium through playwright-core.
// A workspace whose selected interpreter (tfLsp.interpreter in the user settings) is a venv WITHOUT numpy, and a
// main.py with `import numpy as np`: the squiggle and our Problems entry appear; the quick fix "Use np-env" (a second
// venv that has numpy) is applied with Ctrl+. Enter; the squiggle goes away, the choice is stored in the folder's
// settings and the status bar names np-env. Exit 0 on success; screenshots in $TF_LSP_ARTIFACTS.
//
// Environment: CODE_SERVER, TF_LSP_VSIX, CHROMIUM (see harness.mjs), TF_LSP_E2E_VENV_PYTHON (makes the venvs;
// default python3.11), TF_LSP_E2E_PIP_PYTHON (a Python whose pip installs numpy with --python; default python3).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { log, openFromExplorer, runScenario } from './harness.mjs';

const venvPython = process.env.TF_LSP_E2E_VENV_PYTHON || 'python3.11';
const pipPython = process.env.TF_LSP_E2E_PIP_PYTHON || 'python3';

await runScenario('quickfix', async ({ ws }, open) => {
  fs.writeFileSync(path.join(ws, 'main.py'), 'import numpy as np\n\nprint(np.zeros(3))\n');
  const bare = path.join(ws, '.venv');
  const good = path.join(ws, 'np-env');
  execFileSync(venvPython, ['-m', 'venv', '--without-pip', bare]);
  execFileSync(venvPython, ['-m', 'venv', '--without-pip', good]);
  execFileSync(pipPython, ['-m', 'pip', '--disable-pip-version-check', '-q', '--python', path.join(good, 'bin/python'),
    'install', 'numpy'], { stdio: ['ignore', 'ignore', 'inherit'] });
  log('venvs ready');

  const { page, shot } = await open({ settings: { 'tfLsp.interpreter': path.join(bare, 'bin/python') } });
  await openFromExplorer(page, 'main.py');
  log('main.py open');

  // 1. the squiggle on `import numpy as np`.
  await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 30000 });
  log('squiggle shown');
  await shot('1-squiggle');

  // 2. our message in Problems.
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel .monaco-list-row', { hasText: 'numpy' }).first().waitFor({ timeout: 10000 });
  const problemText = await page.locator('.markers-panel').innerText();
  if (!/tf-lsp/.test(problemText) || !/TFL1\d\d/.test(problemText)) {
    throw new Error(`Problems does not show a tf-lsp finding:\n${problemText}`);
  }
  log(`problems: ${problemText.split('\n').filter((l) => /numpy|TFL/.test(l)).slice(0, 3).join(' | ')}`);
  await shot('2-problems');

  // 3. quick fixes on the import: Ctrl+. and pick "Use np-env".
  await page.locator('.monaco-editor .view-line', { hasText: 'import numpy' }).first().click();
  await page.keyboard.press('Home');
  for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowRight');  // into `numpy`
  await page.keyboard.press('Control+.');
  const widget = page.locator('.action-widget');
  await widget.locator('.monaco-list-row', { hasText: 'np-env' }).first().waitFor({ timeout: 15000 });
  const rows = widget.locator('.monaco-list-row.action');
  const titles = (await rows.allInnerTexts()).map((x) => x.trim());
  log(`quick fixes: ${titles.join(' | ')}`);
  await shot('3-quickfix');
  const index = titles.findIndex((x) => /^Use np-env/.test(x));
  if (index < 0) throw new Error(`no "Use np-env" quick fix among: ${titles.join(' | ')}`);
  // The first action is focused when the widget opens; move down to ours and press Enter (clicks are intercepted).
  const focused = () => rows.evaluateAll((els) => els.findIndex((r) => r.classList.contains('focused')));
  for (let guard = 0; guard < 30 && (await focused()) !== index; guard++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');

  // 4. the squiggle goes away, the choice is stored in the folder's settings, the status bar follows.
  await page.waitForFunction(() => document.querySelectorAll('.monaco-editor .squiggly-error').length === 0,
    null, { timeout: 30000 });
  log('squiggle gone');
  const settingsFile = path.join(ws, '.vscode/settings.json');
  const want = path.join(good, 'bin/python');
  const stored = () => { try { return JSON.parse(fs.readFileSync(settingsFile, 'utf8'))['tfLsp.interpreter']; } catch { return undefined; } };
  for (let i = 0; i < 100 && stored() !== want; i++) await page.waitForTimeout(100);
  if (stored() !== want) throw new Error(`tfLsp.interpreter stored as ${stored()}, expected ${want}`);
  log(`stored tfLsp.interpreter = ${stored()}`);
  const status = page.locator('.statusbar-item', { hasText: 'np-env' }).first();
  await status.waitFor({ timeout: 10000 });
  log(`status bar: ${(await status.innerText()).trim()}`);
  await shot('4-fixed');
});
