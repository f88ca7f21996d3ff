// How the server is started: the user's command, else the bundled copy with a Python 3.10+ found on PATH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const launch = require('../out/serverLaunch.js');

test('user serverCommand wins and is taken as an argv', () => {
  assert.deepEqual(launch.userLaunch(['/p/python', '-m', 'tf_lsp', 'serve']),
    { command: '/p/python', args: ['-m', 'tf_lsp', 'serve'], describe: '/p/python -m tf_lsp serve' });
  assert.equal(launch.userLaunch([]), undefined);
  assert.equal(launch.userLaunch('python -m tf_lsp serve'), undefined);
});

test('bundled launch needs bundled/tool/tf_lsp_server.py', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tflsp-ext-'));
  assert.equal(launch.bundledLaunch(root, 'python3'), undefined);
  assert.equal(launch.bundledScript(root), undefined);
  fs.mkdirSync(path.join(root, 'bundled/tool'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bundled/tool/tf_lsp_server.py'), '');
  assert.equal(launch.bundledScript(root), path.join(root, 'bundled/tool/tf_lsp_server.py'));
  const l = launch.bundledLaunch(root, 'python3');
  assert.equal(l.command, 'python3');
  assert.deepEqual(l.args, ['-I', path.join(root, 'bundled/tool/tf_lsp_server.py')]);
});

test('findServerPython rejects a missing or too old Python and says why', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflsp-py-'));
  const old = path.join(dir, 'old-python');
  fs.writeFileSync(old, '#!/bin/sh\necho 3.8\n', { mode: 0o755 });
  const tried = [];
  const saved = process.env.PATH;
  process.env.PATH = dir;                      // no python3 at all on PATH
  try {
    assert.equal(await launch.findServerPython('linux', [old], tried), undefined);
    assert.equal(await launch.findServerPython('linux', [], tried), undefined);
  } finally {
    process.env.PATH = saved;
  }
  assert.deepEqual(tried, [`${old}: Python 3.8 is too old`, ...tried.slice(1)]);
  assert.ok(tried.slice(1).every((x) => / not found$/.test(x)), tried.join('; '));
  assert.ok(tried.includes('python3: not found'));
});

test('findServerPython finds a real Python 3.10+', { skip: !fs.existsSync('/usr/bin/python3') }, async () => {
  const found = await launch.findServerPython('linux', [], []);
  assert.ok(found, 'a Python 3.10+ on PATH');
});

test('a server-less package says the server is missing, even with a good Python on PATH', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tflsp-ext-'));
  const tried = [];
  const r = await launch.resolveServerLaunch(root, [], process.platform, [process.execPath], tried);
  assert.equal(r.launch, undefined);
  assert.match(r.problem, /no bundled server/);
  assert.deepEqual(tried, []);                              // no Python was even looked for
  const user = await launch.resolveServerLaunch(root, ['/p/python', '-m', 'tf_lsp', 'serve'], 'linux', [], tried);
  assert.equal(user.launch.command, '/p/python');
});
