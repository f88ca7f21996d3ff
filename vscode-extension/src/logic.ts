// Pure logic of the extension, free of the `vscode` module so node's test runner can exercise it directly.

export const SECTION = 'tfLsp';

/** The server's settings (tf_lsp/settings.py, camelCase on the wire) and their defaults. */
export const SERVER_SETTING_DEFAULTS = {
  interpreter: '',
  extraPaths: [] as string[],
  env: {} as Record<string, string>,
  installer: 'auto',
  checkAllImports: true,
  severity: {} as Record<string, string>,
  trustedWorkspace: true,
  notebookInterpreters: {} as Record<string, string>,
  installerUsesProjectConfig: false,
};
export type ServerSettings = typeof SERVER_SETTING_DEFAULTS;

/** Settings that only the extension reads; they never go to the server. */
export const EXTENSION_ONLY_SETTINGS = ['serverCommand', 'trace'];

/** Where the interpreter tf-lsp checks against came from, strongest first. */
export type InterpreterSource = 'python-envs' | 'ms-python' | 'setting' | 'server';

export interface InterpreterInputs {
  /** Path reported by the Python Environments extension (ms-python.vscode-python-envs) for the folder, if any. */
  pythonEnvs?: string | undefined;
  /** Path reported by the Python extension's environments API (ms-python.python), if any. */
  msPython?: string | undefined;
  /** The tfLsp.interpreter setting (may be empty). */
  setting?: string | undefined;
}

export interface InterpreterPick {
  python: string;          // '' when the server should discover it
  source: InterpreterSource;
}

/**
 * Precedence: python-envs extension > ms-python.python > tfLsp.interpreter > the server's own discovery.
 * The Python extensions reflect what the user picked in VS Code's own UI, so they win; the setting is the
 * fallback when neither extension is installed.
 */
export function selectInterpreter(inputs: InterpreterInputs): InterpreterPick {
  const clean = (v?: string) => (typeof v === 'string' ? v.trim() : '');
  if (clean(inputs.pythonEnvs)) return { python: clean(inputs.pythonEnvs), source: 'python-envs' };
  if (clean(inputs.msPython)) return { python: clean(inputs.msPython), source: 'ms-python' };
  if (clean(inputs.setting)) return { python: clean(inputs.setting), source: 'setting' };
  return { python: '', source: 'server' };
}

/** Where to persist an interpreter the server switched to (tfLsp/interpreterChanged). */
export function persistTarget(available: { pythonEnvs: boolean; msPython: boolean }): InterpreterSource {
  if (available.pythonEnvs) return 'python-envs';
  if (available.msPython) return 'ms-python';
  return 'setting';
}

type Getter = (key: string) => unknown;

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    && Object.values(v as object).every((x) => typeof x === 'string');
}

/**
 * The `tfLsp` section as the server receives it: only the server's keys, values of the right type (else the
 * default), the chosen interpreter filled in, and trustedWorkspace and installerUsesProjectConfig forced off when
 * VS Code does not trust the workspace.
 */
export function toServerSettings(get: Getter, opts: { interpreter?: InterpreterPick; trusted: boolean }): ServerSettings {
  const d = SERVER_SETTING_DEFAULTS;
  const str = (k: string, dflt: string) => { const v = get(k); return typeof v === 'string' ? v : dflt; };
  const bool = (k: string, dflt: boolean) => { const v = get(k); return typeof v === 'boolean' ? v : dflt; };
  const extra = get('extraPaths');
  const env = get('env');
  const severity = get('severity');
  const notebooks = get('notebookInterpreters');
  const out: ServerSettings = {
    interpreter: str('interpreter', d.interpreter),
    extraPaths: Array.isArray(extra) ? extra.filter((x): x is string => typeof x === 'string') : [],
    env: isStringRecord(env) ? { ...env } : {},
    installer: str('installer', d.installer),
    checkAllImports: bool('checkAllImports', d.checkAllImports),
    severity: isStringRecord(severity) ? { ...severity } : {},
    trustedWorkspace: opts.trusted ? bool('trustedWorkspace', d.trustedWorkspace) : false,
    notebookInterpreters: isStringRecord(notebooks) ? { ...notebooks } : {},
    installerUsesProjectConfig: opts.trusted ? bool('installerUsesProjectConfig', d.installerUsesProjectConfig) : false,
  };
  if (opts.interpreter && opts.interpreter.source !== 'server' && opts.interpreter.source !== 'setting') {
    out.interpreter = opts.interpreter.python;
  }
  return out;
}

/** The framework the server found in the environment (tf_lsp/packs.py). */
export interface FrameworkInfo { name: string; short: string; version?: string | null; distribution?: string }

export interface StatusParams {
  uri?: string;
  python?: string;
  envName?: string | null;
  tfVersion?: string | null;         // servers before `framework`
  framework?: FrameworkInfo | null;
  activate?: Record<string, string>; // shell -> command that activates the environment
  pythonVersion?: string | null;
  broken?: boolean;
  why?: string;
}

function majorMinor(v: string | null | undefined): string {
  return v ? ` ${v.split('.').slice(0, 2).join('.')}` : '';
}

/** The framework of a status: the server's `framework`, else (older servers) TensorFlow from `tfVersion`. */
export function frameworkOf(s: StatusParams): FrameworkInfo | undefined {
  if (s.framework && typeof s.framework.short === 'string') return s.framework;
  if (s.tfVersion) return { name: 'TensorFlow', short: 'TF', version: s.tfVersion };
  return undefined;
}

/** "TF 2.21 · .venv", "Keras 3.5 · .venv", "No framework · .venv"; "$(error)" prefixed when broken. */
export function statusText(s: StatusParams): string {
  const fw = frameworkOf(s);
  const label = fw ? `${fw.short}${majorMinor(fw.version)}` : 'No framework';
  const env = s.envName || (s.python ? basenameOf(s.python) : '?');
  return `${s.broken ? '$(error) ' : ''}${label} · ${env}`;
}

export function statusTooltip(s: StatusParams): string {
  const fw = frameworkOf(s);
  const lines = [
    `tf-lsp: ${s.broken ? 'the selected environment is broken' : 'selected environment'}`,
    `Python: ${s.python ?? '?'}${s.pythonVersion ? ` (${s.pythonVersion})` : ''}`,
    fw ? `Framework: ${fw.name} ${fw.version ?? '?'}${fw.distribution ? ` (${fw.distribution})` : ''}`
      : 'Framework: none found (TensorFlow, Keras, JAX, PyTorch)',
  ];
  if (s.why) lines.push(`Why: ${s.why}`);
  lines.push('Click for the doctor report.');
  return lines.join('\n');
}

function basenameOf(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  // /x/.venv/bin/python -> .venv
  if (parts.length >= 3 && /^(bin|Scripts)$/i.test(parts[parts.length - 2])) return parts[parts.length - 3];
  return parts[parts.length - 1] ?? p;
}

/** Parse "3.11.7" / "Python 3.11.7" into [3, 11]; null if not a version. */
export function parsePythonVersion(text: string): [number, number] | null {
  const m = /(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function isSuitableServerPython(version: [number, number] | null): boolean {
  return !!version && version[0] === 3 && version[1] >= 10;
}

/** Candidate commands that may run a Python 3.10+ for the bundled server, best first; `pathsFromEnv`
 * ($TF_LSP_SERVER_PYTHON) replaces the search. */
export function serverPythonCandidates(platform: string, pathsFromEnv: string[] = []): string[] {
  if (pathsFromEnv.length > 0) return [...pathsFromEnv];     // TF_LSP_SERVER_PYTHON: only that one
  const names = platform === 'win32'
    ? ['py', 'python', 'python3']
    : ['python3.13', 'python3.12', 'python3.11', 'python3.10', 'python3', 'python'];
  return names;
}

/** The command that activates the environment in the user's shell (``vscode.env.shell``, a path or a name), from
 * the server's per-shell commands; conda/pixi/pyenv commands when no shell-specific one exists. */
export function activationFor(activate: Record<string, string> | undefined, shellPath: string | undefined): string | undefined {
  if (!activate) return undefined;
  const base = (shellPath ?? '').split(/[\\/]/).pop()?.toLowerCase().replace(/\.exe$/, '') ?? '';
  const key = base === 'pwsh' || base === 'powershell' ? 'powershell'
    : base === 'cmd' ? 'cmd'
      : ['bash', 'zsh', 'fish'].includes(base) ? base
        : base === 'sh' || base === 'dash' || base === 'ksh' ? 'bash' : '';
  return (key && activate[key]) || activate.conda || activate.pixi || activate.pyenv || undefined;
}

/** Document selector: Python files, manifests, and the python cells of Jupyter notebooks (LSP notebook sync). */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'python' },
  { notebook: 'jupyter-notebook', language: 'python' },
  { scheme: 'file', pattern: '**/{requirements*.txt,pyproject.toml,environment.yml,environment.yaml,Pipfile}' },
];

/** Said when the extension was packaged without its server (e.g. a .vsix made from the extension folder alone). */
export function bundleMissingMessage(extensionPath: string): string {
  return `tf-lsp: this installation of the extension has no bundled server (${extensionPath}/bundled/tool/` +
    'tf_lsp_server.py is missing; the .vsix was packaged without running "npm run bundle-server"). ' +
    'Install a complete .vsix, or set "tfLsp.serverCommand" to a command that runs `tf-lsp serve` ' +
    '(e.g. ["python3", "-m", "tf_lsp", "serve"] after `pip install tf-lsp`), then run "tf-lsp: Restart Server".';
}

export const NO_PYTHON_MESSAGE =
  'tf-lsp needs Python 3.10 or newer to run its language server, and none was found on this machine. ' +
  'Install Python 3.10+ (and make sure it is on PATH), or set "tfLsp.serverCommand" to a command that runs ' +
  '`tf-lsp serve`, then run "tf-lsp: Restart Server".';

/** One row of tfLsp.listEnvironments (tf_lsp.model.Candidate.to_json plus `selected`). */
export interface EnvironmentEntry {
  path?: string;            // the environment's prefix
  python_path?: string;     // its interpreter
  kind?: string;
  python?: string | null;   // its Python version
  name?: string;
  in_workspace?: boolean;
  selected?: boolean;
}

export interface QuickPickEntry { label: string; description: string; detail: string; python: string }

/** Quick-pick rows for tfLsp.listEnvironments, the selected one first and marked. */
export function environmentItems(envs: EnvironmentEntry[]): QuickPickEntry[] {
  const rows = envs.filter((e) => typeof e.python_path === 'string' && e.python_path).map((e) => ({
    label: `${e.selected ? '$(check) ' : ''}${e.name || basenameOf(e.python_path!)}`,
    description: [e.kind, e.python ? `Python ${e.python}` : '', e.in_workspace ? 'in workspace' : '']
      .filter(Boolean).join(' · '),
    detail: e.python_path!,
    python: e.python_path!,
    selected: !!e.selected,
  }));
  rows.sort((a, b) => Number(b.selected) - Number(a.selected));
  return rows.map(({ selected: _s, ...r }) => r);
}

/** The environment's prefix for an interpreter path: /x/.venv/bin/python -> /x/.venv; C:\\e\\python.exe -> C:\\e. */
export function prefixOf(python: string): string {
  const names = python.split(/[\\/]/);
  const drop = names.length >= 3 && /^(bin|Scripts)$/i.test(names[names.length - 2]) ? 2 : 1;
  return names.slice(0, names.length - drop).join(python.includes('\\') && !python.includes('/') ? '\\' : '/');
}
