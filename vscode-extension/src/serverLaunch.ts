// How the server is started: a user command (tfLsp.serverCommand), else the bundled copy run by a Python 3.10+
// found on this machine. Node only (no `vscode`), so it is testable on its own.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  NO_PYTHON_MESSAGE, bundleMissingMessage, isSuitableServerPython, parsePythonVersion, serverPythonCandidates,
} from './logic';

export interface LaunchCommand { command: string; args: string[]; env?: Record<string, string>; describe: string }

function pythonVersionOf(command: string, timeoutMs = 5000): Promise<[number, number] | null> {
  return new Promise((resolve) => {
    const args = command === 'py' ? ['-3', '-c', 'import sys; print("%d.%d" % sys.version_info[:2])']
      : ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'];
    execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (err, stdout) => {
      resolve(err ? null : parsePythonVersion(String(stdout)));
    });
  });
}

/** The first candidate that runs Python 3.10+; `tried` collects what was rejected and why (for the error). */
export async function findServerPython(platform: string, extra: string[], tried: string[]): Promise<string | undefined> {
  for (const cand of serverPythonCandidates(platform, extra)) {
    const v = await pythonVersionOf(cand);
    if (isSuitableServerPython(v)) return cand;
    tried.push(`${cand}: ${v ? `Python ${v.join('.')} is too old` : 'not found'}`);
  }
  return undefined;
}

/** The bundled server's entry script when the extension carries it (a .vsix packaged without
 * `npm run bundle-server` does not). */
export function bundledScript(extensionRoot: string): string | undefined {
  const script = path.join(extensionRoot, 'bundled', 'tool', 'tf_lsp_server.py');
  return fs.existsSync(script) ? script : undefined;
}

/** The bundled server: bundled/tool/tf_lsp_server.py puts bundled/libs and bundled/tool on sys.path itself. */
export function bundledLaunch(extensionRoot: string, python: string): LaunchCommand | undefined {
  const script = bundledScript(extensionRoot);
  if (!script) return undefined;
  const pre = python === 'py' ? ['-3'] : [];
  return { command: python, args: [...pre, '-I', script], describe: `${python} -I ${script}` };
}

export function userLaunch(serverCommand: unknown): LaunchCommand | undefined {
  if (!Array.isArray(serverCommand) || serverCommand.length === 0) return undefined;
  const argv = serverCommand.filter((x): x is string => typeof x === 'string' && x.length > 0);
  if (argv.length === 0) return undefined;
  return { command: argv[0], args: argv.slice(1), describe: argv.join(' ') };
}

/** How to start the server, or why it cannot start: the user's command; else the bundled server, whose absence is
 * said before any Python is looked for (no Python can run a server the .vsix does not carry). */
export async function resolveServerLaunch(extensionRoot: string, serverCommand: unknown, platform: string,
  pinned: string[], tried: string[]): Promise<{ launch?: LaunchCommand; problem?: string }> {
  const user = userLaunch(serverCommand);
  if (user) return { launch: user };
  if (!bundledScript(extensionRoot)) return { problem: bundleMissingMessage(extensionRoot) };
  const python = await findServerPython(platform, pinned, tried);
  if (!python) return { problem: NO_PYTHON_MESSAGE };
  const launch = bundledLaunch(extensionRoot, python);
  return launch ? { launch } : { problem: bundleMissingMessage(extensionRoot) };
}
