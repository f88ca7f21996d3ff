// The Python extensions' APIs are not installable offline: these fakes carry the exact shapes tf-lsp relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const apis = require('../out/pythonApis.js');

function fakePythonEnvs() {
  const calls = [];
  const listeners = [];
  const envs = { '/w/.venv/bin/python': { environmentPath: { fsPath: '/w/.venv' }, execInfo: { run: { executable: '/w/.venv/bin/python' } } } };
  let current = { environmentPath: { fsPath: '/w/old' }, execInfo: { run: { executable: '/w/old/bin/python' } } };
  return {
    calls, fire: () => listeners.forEach((l) => l({})),
    api: {
      getEnvironment: async (scope) => { calls.push(['get', scope]); return current; },
      setEnvironment: async (scope, env) => { calls.push(['set', scope, env]); current = env; },
      resolveEnvironment: async (uri) => envs[uri.fsPath],
      onDidChangeEnvironment: (l) => { listeners.push(l); return { dispose() {} }; },
    },
  };
}

function fakeMsPython() {
  const calls = [];
  let active = { id: 'x', path: '/w/old/bin/python' };
  return {
    calls,
    exports: { environments: {
      getActiveEnvironmentPath: (resource) => { calls.push(['get', resource]); return active; },
      resolveEnvironment: async (env) => ({ executable: { uri: { fsPath: (env.path ?? env) } } }),
      updateActiveEnvironmentPath: async (p, resource) => { calls.push(['update', p, resource]); active = { id: p, path: p }; },
      onDidChangeActiveEnvironmentPath: () => ({ dispose() {} }),
    } },
  };
}

test('python-envs provider reads the executable, persists through resolveEnvironment + setEnvironment', async () => {
  const fake = fakePythonEnvs();
  const p = apis.providerFromExports('ms-python.vscode-python-envs', fake.api);
  assert.equal(p.kind, 'python-envs');
  assert.equal(await p.interpreterFor('folder'), '/w/old/bin/python');
  await p.persist('/w/.venv/bin/python', 'folder', (x) => ({ fsPath: x }));
  assert.equal(await p.interpreterFor('folder'), '/w/.venv/bin/python');
  assert.deepEqual(fake.calls.find((c) => c[0] === 'set').slice(0, 2), ['set', 'folder']);
  await assert.rejects(p.persist('/unknown/bin/python', 'folder', (x) => ({ fsPath: x })), /does not know/);
  let changed = 0;
  p.onDidChange(() => { changed += 1; });
  fake.fire();
  assert.equal(changed, 1);
});

test('ms-python provider reads the active path and persists with updateActiveEnvironmentPath', async () => {
  const fake = fakeMsPython();
  const p = apis.providerFromExports('ms-python.python', fake.exports);
  assert.equal(p.kind, 'ms-python');
  assert.equal(await p.interpreterFor('folder'), '/w/old/bin/python');
  await p.persist('/w/new/bin/python', 'folder', (x) => x);
  assert.deepEqual(fake.calls.at(-1), ['update', '/w/new/bin/python', 'folder']);
  assert.equal(await p.interpreterFor('folder'), '/w/new/bin/python');
});

test('exports without the expected API give no provider', () => {
  assert.equal(apis.providerFromExports('ms-python.python', {}), undefined);
  assert.equal(apis.providerFromExports('ms-python.vscode-python-envs', { getEnvironment() {} }), undefined);
  assert.equal(apis.providerFromExports('ms-python.python', undefined), undefined);
});
