// Unit tests of the extension's pure logic (node --test; built into out/ by scripts/build.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const logic = require('../out/logic.js');

test('interpreter precedence: python-envs > ms-python > setting > server discovery', () => {
  const all = { pythonEnvs: '/e/envs/bin/python', msPython: '/e/ms/bin/python', setting: '/e/set/bin/python' };
  assert.deepEqual(logic.selectInterpreter(all), { python: '/e/envs/bin/python', source: 'python-envs' });
  assert.deepEqual(logic.selectInterpreter({ ...all, pythonEnvs: undefined }), { python: '/e/ms/bin/python', source: 'ms-python' });
  assert.deepEqual(logic.selectInterpreter({ setting: ' /e/set/bin/python ', msPython: '' }),
    { python: '/e/set/bin/python', source: 'setting' });
  assert.deepEqual(logic.selectInterpreter({ setting: '' }), { python: '', source: 'server' });
  assert.deepEqual(logic.selectInterpreter({}), { python: '', source: 'server' });
});

test('persist target follows the same precedence', () => {
  assert.equal(logic.persistTarget({ pythonEnvs: true, msPython: true }), 'python-envs');
  assert.equal(logic.persistTarget({ pythonEnvs: false, msPython: true }), 'ms-python');
  assert.equal(logic.persistTarget({ pythonEnvs: false, msPython: false }), 'setting');
});

const getter = (obj) => (k) => obj[k];

test('settings: defaults, only server keys, wrong types fall back', () => {
  const s = logic.toServerSettings(getter({ serverCommand: ['x'], trace: { server: 'verbose' } }), { trusted: true });
  assert.deepEqual(s, logic.SERVER_SETTING_DEFAULTS);
  const bad = logic.toServerSettings(getter({ extraPaths: 'nope', env: { A: 1 }, checkAllImports: 'yes', installer: 3 }),
    { trusted: true });
  assert.deepEqual(bad.extraPaths, []);
  assert.deepEqual(bad.env, {});
  assert.equal(bad.checkAllImports, true);
  assert.equal(bad.installer, 'auto');
  assert.deepEqual(logic.toServerSettings(getter({ notebookInterpreters: { '*.ipynb': 3 } }), { trusted: true })
    .notebookInterpreters, {});
  const good = logic.toServerSettings(getter({ interpreter: '/v/bin/python', extraPaths: ['src'], env: { TF_USE_LEGACY_KERAS: '1' },
    installer: 'uv', checkAllImports: false, severity: { TFL114: 'none' }, trustedWorkspace: true,
    notebookInterpreters: { 'experiments/**/*.ipynb': '~/venvs/tf215' } }), { trusted: true });
  assert.deepEqual(good, { interpreter: '/v/bin/python', extraPaths: ['src'], env: { TF_USE_LEGACY_KERAS: '1' },
    installer: 'uv', checkAllImports: false, severity: { TFL114: 'none' }, trustedWorkspace: true,
    notebookInterpreters: { 'experiments/**/*.ipynb': '~/venvs/tf215' }, installerUsesProjectConfig: false });
});

test('settings: an untrusted workspace forces trustedWorkspace off', () => {
  assert.equal(logic.toServerSettings(getter({ trustedWorkspace: true }), { trusted: false }).trustedWorkspace, false);
  assert.equal(logic.toServerSettings(getter({ trustedWorkspace: false }), { trusted: true }).trustedWorkspace, false);
  assert.equal(logic.toServerSettings(getter({ installerUsesProjectConfig: true }), { trusted: false })
    .installerUsesProjectConfig, false);
  assert.equal(logic.toServerSettings(getter({ installerUsesProjectConfig: true }), { trusted: true })
    .installerUsesProjectConfig, true);
});

test('settings: a Python extension selection overrides tfLsp.interpreter, server discovery does not', () => {
  const get = getter({ interpreter: '/set/bin/python' });
  assert.equal(logic.toServerSettings(get, { trusted: true, interpreter: { python: '/envs/bin/python', source: 'python-envs' } }).interpreter,
    '/envs/bin/python');
  assert.equal(logic.toServerSettings(get, { trusted: true, interpreter: { python: '', source: 'server' } }).interpreter, '/set/bin/python');
});

test('status text and tooltip name the framework the server found', () => {
  const tf = { name: 'TensorFlow', short: 'TF', version: '2.21.0', distribution: 'tensorflow-cpu' };
  assert.equal(logic.statusText({ framework: tf, tfVersion: '2.21.0', envName: '.venv', broken: false }), 'TF 2.21 · .venv');
  assert.equal(logic.statusText({ framework: { name: 'Keras', short: 'Keras', version: '3.5.0' }, tfVersion: null,
    envName: '.venv' }), 'Keras 3.5 · .venv');
  assert.equal(logic.statusText({ framework: { name: 'JAX', short: 'JAX', version: '0.4.30' }, envName: 'j' }), 'JAX 0.4 · j');
  assert.equal(logic.statusText({ framework: null, tfVersion: null, python: '/w/.venv/bin/python' }), 'No framework · .venv');
  assert.equal(logic.statusText({ tfVersion: '2.16.1', envName: 'tf', broken: true }), '$(error) TF 2.16 · tf');  // older server
  const tip = logic.statusTooltip({ python: '/w/.venv/bin/python', pythonVersion: '3.11.7', framework: null, why: 'set in settings' });
  assert.match(tip, /Python: \/w\/\.venv\/bin\/python \(3\.11\.7\)/);
  assert.match(tip, /Framework: none found/);
  assert.match(tip, /Why: set in settings/);
  assert.match(logic.statusTooltip({ framework: tf }), /Framework: TensorFlow 2\.21\.0 \(tensorflow-cpu\)/);
});

test('activated terminal: the command for the user\'s shell, conda\'s when the shell has none', () => {
  const venv = { bash: 'source /w/.venv/bin/activate', zsh: 'source /w/.venv/bin/activate',
    fish: 'source /w/.venv/bin/activate.fish', powershell: '/w/.venv/bin/Activate.ps1' };
  assert.equal(logic.activationFor(venv, '/bin/bash'), 'source /w/.venv/bin/activate');
  assert.equal(logic.activationFor(venv, '/usr/bin/fish'), 'source /w/.venv/bin/activate.fish');
  assert.equal(logic.activationFor(venv, 'C:\\Program Files\\PowerShell\\7\\pwsh.exe'), '/w/.venv/bin/Activate.ps1');
  assert.equal(logic.activationFor(venv, '/bin/sh'), 'source /w/.venv/bin/activate');
  assert.equal(logic.activationFor(venv, 'C:\\Windows\\System32\\cmd.exe'), undefined);   // no activate.bat
  assert.equal(logic.activationFor({ conda: 'conda activate /c/envs/tf' }, '/bin/tcsh'), 'conda activate /c/envs/tf');
  assert.equal(logic.activationFor({}, '/bin/bash'), undefined);
  assert.equal(logic.activationFor(undefined, '/bin/bash'), undefined);
});

test('document selector: python files, manifests and the python cells of Jupyter notebooks', () => {
  assert.ok(logic.DOCUMENT_SELECTOR.some((f) => f.notebook === 'jupyter-notebook' && f.language === 'python'));
  assert.ok(logic.DOCUMENT_SELECTOR.some((f) => f.scheme === 'file' && f.language === 'python'));
});

test('a .vsix without its server says exactly that, not that Python is missing', () => {
  const m = logic.bundleMissingMessage('/ext/tf-lsp-0.1.0');
  assert.match(m, /no bundled server/);
  assert.match(m, /\/ext\/tf-lsp-0\.1\.0\/bundled\/tool\/tf_lsp_server\.py is missing/);
  assert.match(m, /tfLsp\.serverCommand/);
  assert.doesNotMatch(m, /Python 3\.10/);
});

test('server Python: 3.10+ only, candidates per platform', () => {
  assert.deepEqual(logic.parsePythonVersion('Python 3.11.7'), [3, 11]);
  assert.equal(logic.parsePythonVersion('nothing'), null);
  assert.equal(logic.isSuitableServerPython([3, 9]), false);
  assert.equal(logic.isSuitableServerPython([3, 10]), true);
  assert.equal(logic.isSuitableServerPython(null), false);
  assert.deepEqual(logic.serverPythonCandidates('win32').slice(0, 1), ['py']);
  assert.ok(logic.serverPythonCandidates('linux').includes('python3'));
  assert.deepEqual(logic.serverPythonCandidates('linux', ['/opt/py/bin/python']), ['/opt/py/bin/python']);
  assert.match(logic.NO_PYTHON_MESSAGE, /Python 3\.10 or newer/);
  assert.match(logic.NO_PYTHON_MESSAGE, /tfLsp\.serverCommand/);
});

test('environment quick pick: selected first, executables as values', () => {
  const items = logic.environmentItems([
    { path: '/w/a', python_path: '/w/a/bin/python', kind: 'venv', python: '3.11.7', name: 'a', in_workspace: true },
    { path: '/w/b', python_path: '/w/b/bin/python', kind: 'venv', python: '3.12.1', name: 'b', selected: true },
    { path: '/broken', kind: 'venv', name: 'no python' },
  ]);
  assert.deepEqual(items.map((i) => i.python), ['/w/b/bin/python', '/w/a/bin/python']);
  assert.equal(items[0].label, '$(check) b');
  assert.equal(items[1].description, 'venv · Python 3.11.7 · in workspace');
});

test('prefixOf', () => {
  assert.equal(logic.prefixOf('/w/.venv/bin/python'), '/w/.venv');
  assert.equal(logic.prefixOf('C:\\e\\Scripts\\python.exe'), 'C:\\e');
  assert.equal(logic.prefixOf('/usr/local/python3'), '/usr/local');
});
