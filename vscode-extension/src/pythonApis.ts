// Adapters over the two Python extensions' public APIs, typed structurally (only what tf-lsp uses) and free of
// the `vscode` module so they can be tested with fakes. Scopes are passed through untouched (a vscode.Uri).

export interface Disposable { dispose(): unknown }
export type Event<T> = (listener: (e: T) => unknown) => Disposable;

/** ms-python.vscode-python-envs: `PythonEnvironmentApi` (the parts tf-lsp uses). */
export interface PythonEnvsApi {
  getEnvironment(scope: unknown): Promise<PythonEnvsEnvironment | undefined>;
  setEnvironment(scope: unknown, environment?: PythonEnvsEnvironment): Promise<void>;
  resolveEnvironment(context: unknown): Promise<PythonEnvsEnvironment | undefined>;
  onDidChangeEnvironment?: Event<unknown>;
}
export interface PythonEnvsEnvironment {
  environmentPath?: { fsPath?: string };
  execInfo?: { run?: { executable?: string } };
}

/** ms-python.python: `PythonExtension.environments` (the parts tf-lsp uses). */
export interface MsPythonEnvironments {
  getActiveEnvironmentPath(resource?: unknown): { id?: string; path: string };
  resolveEnvironment(env: { id?: string; path: string } | string): Promise<{ executable?: { uri?: { fsPath?: string } } } | undefined>;
  updateActiveEnvironmentPath(path: string, resource?: unknown): Promise<void>;
  onDidChangeActiveEnvironmentPath?: Event<unknown>;
}

/** An interpreter source tf-lsp can read from and write to. */
export interface InterpreterProvider {
  readonly kind: 'python-envs' | 'ms-python';
  interpreterFor(scope: unknown): Promise<string | undefined>;
  persist(python: string, scope: unknown, toScope: (path: string) => unknown): Promise<void>;
  onDidChange(listener: () => void): Disposable | undefined;
}

export function pythonEnvsProvider(api: PythonEnvsApi): InterpreterProvider {
  return {
    kind: 'python-envs',
    async interpreterFor(scope) {
      const env = await api.getEnvironment(scope);
      return env?.execInfo?.run?.executable || env?.environmentPath?.fsPath || undefined;
    },
    async persist(python, scope, toScope) {
      const env = await api.resolveEnvironment(toScope(python));
      if (!env) throw new Error(`the Python Environments extension does not know ${python}`);
      await api.setEnvironment(scope, env);
    },
    onDidChange(listener) {
      return api.onDidChangeEnvironment ? api.onDidChangeEnvironment(() => listener()) : undefined;
    },
  };
}

export function msPythonProvider(envs: MsPythonEnvironments): InterpreterProvider {
  return {
    kind: 'ms-python',
    async interpreterFor(scope) {
      const active = envs.getActiveEnvironmentPath(scope);
      if (!active?.path) return undefined;
      const resolved = await envs.resolveEnvironment(active).catch(() => undefined);
      return resolved?.executable?.uri?.fsPath || active.path;
    },
    async persist(python, scope) {
      await envs.updateActiveEnvironmentPath(python, scope);
    },
    onDidChange(listener) {
      return envs.onDidChangeActiveEnvironmentPath ? envs.onDidChangeActiveEnvironmentPath(() => listener()) : undefined;
    },
  };
}

/** The extension object's `exports` (after activation) -> a provider, or undefined when it has no usable API. */
export function providerFromExports(id: string, exports: unknown): InterpreterProvider | undefined {
  const x = exports as Record<string, unknown> | undefined;
  if (!x) return undefined;
  if (id === 'ms-python.vscode-python-envs' && typeof x.getEnvironment === 'function'
      && typeof x.setEnvironment === 'function') {
    return pythonEnvsProvider(x as unknown as PythonEnvsApi);
  }
  if (id === 'ms-python.python') {
    const envs = x.environments as MsPythonEnvironments | undefined;
    if (envs && typeof envs.getActiveEnvironmentPath === 'function') return msPythonProvider(envs);
  }
  return undefined;
}

export const PROVIDER_IDS = ['ms-python.vscode-python-envs', 'ms-python.python'] as const;
