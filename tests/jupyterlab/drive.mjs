// Drives a running JupyterLab (started by test_jupyterlab.py) in headless Chromium with playwright-core:
// opens the notebook, waits for tf-lsp's diagnostic underline in a cell, opens the diagnostics panel for the full
// list, hovers the underline for the message, takes the screenshot, then types another missing module into the
// cell and waits for its underline (only when TYPED_MODULE is set); with SWITCH_KERNEL, first switches the notebook
// to that kernel, saves it and waits for the underlines to change. Prints progress lines, then one `RESULT {json}` line.
//
//   PLAYWRIGHT_DIR=.cache/jupyterlab/node JUPYTERLAB_URL=http://127.0.0.1:PORT JUPYTERLAB_TOKEN=... \
//   NOTEBOOK=nb.ipynb TYPED_MODULE=other_missing SCREENSHOT=docs/images/jupyterlab-diagnostic.png node tests/jupyterlab/drive.mjs
import { createRequire } from 'node:module';
import path from 'node:path';

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const require = createRequire(path.join(path.resolve(need('PLAYWRIGHT_DIR')), 'node_modules', 'x.js'));
const { chromium } = require('playwright-core');

class Done extends Error {}       // the steps asked for are done (no TYPED_MODULE: no edit step)
const t0 = Date.now();
const log = (msg) => console.log(`[jupyterlab ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const result = { steps: [], underlines: [], hover: '', panel: [], console: [] };
const step = (what) => { result.steps.push(what); log(what); };

const UNDERLINE = '.jp-Notebook .jp-Cell .cm-lintRange-error, .jp-Notebook .jp-Cell .cm-lintRange-warning';
const WAIT = Number(process.env.JUPYTERLAB_WAIT_MS || 90000);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
});
let failed = null;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  page.on('console', (m) => { if (/lsp|tf-lsp|error/i.test(m.text())) result.console.push(`${m.type()}: ${m.text()}`.slice(0, 400)); });
  const url = `${need('JUPYTERLAB_URL')}/lab/tree/${encodeURIComponent(need('NOTEBOOK'))}?reset&token=${need('JUPYTERLAB_TOKEN')}`;
  await page.goto(url);
  await page.waitForSelector('.jp-Notebook .jp-Cell .cm-content', { timeout: WAIT });
  step('notebook open');
  // jupyterlab-lsp takes the notebook's language from its kernel (python3, from JupyterLab's own environment),
  // which starts on its own: the underline can only appear once it is up.
  await page.waitForSelector(UNDERLINE, { timeout: WAIT });
  step('diagnostic underline shown');
  // Let a later publish (after the environment is read) settle: the set of underlines must be stable for a while.
  let last = '';
  for (let same = 0; same < 4;) {
    await page.waitForTimeout(500);
    const now = JSON.stringify(await page.$$eval(UNDERLINE, (els) => els.map((e) => e.textContent)));
    same = now === last ? same + 1 : 0;
    last = now;
  }
  result.underlines = await page.$$eval(UNDERLINE, (els) => els.map((e) => {
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
    const cell = e.closest('.jp-Cell');
    return { text: e.textContent, cell: cells.indexOf(cell), cls: e.className };
  }));
  // The diagnostics panel lists every diagnostic of the notebook with its cell (opened through the app's command,
  // which needs --LabApp.expose_app_in_browser=True).
  const opened = await page.evaluate(async () => {
    const app = window.jupyterapp;
    if (!app || !app.commands.hasCommand('lsp:show-diagnostics-panel')) return false;
    await app.commands.execute('lsp:show-diagnostics-panel');
    return true;
  });
  if (!opened) throw new Error('lsp:show-diagnostics-panel is not available (window.jupyterapp missing?)');
  await page.waitForSelector('.lsp-diagnostics-listing tbody tr', { timeout: 15000 });
  result.panel = await page.$$eval('.lsp-diagnostics-listing tbody tr',
    (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent.trim())));
  result.panelHeader = await page.$$eval('.lsp-diagnostics-listing thead th', (ths) => ths.map((th) => th.textContent.trim()));
  step('diagnostics panel lists them');
  // Hover the underline: CodeMirror's lint tooltip shows the message and the source.
  await page.hover(UNDERLINE);
  const tip = await page.waitForSelector('.cm-tooltip-lint .cm-diagnostic', { timeout: 15000 });
  result.hover = (await tip.textContent()) || '';
  step('hover shows the message');
  await page.screenshot({ path: need('SCREENSHOT') });
  step('screenshot taken');
  // Edit the cell as a person would: jupyterlab-lsp sends the whole notebook again and tf-lsp checks the new text,
  // so the underline moves to the module typed now (CodeMirror alone could only drop the old mark, not make one).
  // Switch the notebook to another kernel as the Kernel menu does, and save it (the kernelspec tf-lsp reads is the
  // saved one): the underlines must follow the new kernel's interpreter.
  const switchTo = process.env.SWITCH_KERNEL;
  if (switchTo) {
    const before = JSON.stringify(result.underlines.map((u) => u.text));
    await page.evaluate(async (name) => {
      const nb = Array.from(window.jupyterapp.shell.widgets('main')).find((w) => w.context && w.context.path.endsWith('.ipynb'));
      await nb.sessionContext.changeKernel({ name });
      // the notebook's metadata follows once the new kernel answers: save after that, as a person would
      for (let i = 0; i < 300 && (nb.model.getMetadata('kernelspec') || {}).name !== name; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await nb.context.save();
    }, switchTo);
    step('kernel switched and saved');
    await page.waitForFunction(([sel, old]) => JSON.stringify([...document.querySelectorAll(sel)].map((e) => e.textContent)) !== old,
      [UNDERLINE, before], { timeout: WAIT });
    await page.waitForTimeout(2000);
    result.afterSwitch = await page.$$eval(UNDERLINE, (els) => els.map((e) => e.textContent));
    step('underlines follow the kernel');
  }
  const typed = process.env.TYPED_MODULE;
  if (!typed) throw new Done();
  const editor = page.locator('.jp-Notebook .jp-Cell').nth(result.underlines[0].cell).locator('.cm-content');
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`import json, ${typed}`);
  await page.waitForFunction(([sel, name]) => {
    const marks = [...document.querySelectorAll(sel)].map((e) => e.textContent);
    return marks.length === 1 && marks[0] === name;
  }, [UNDERLINE, typed], { timeout: WAIT });
  step('underline follows the edit');
} catch (err) {
  if (!(err instanceof Done)) failed = String(err && err.stack || err);
} finally {
  await browser.close();
}
if (failed) result.error = failed;
console.log('RESULT ' + JSON.stringify(result));
process.exit(failed ? 1 : 0);
