// tf-lsp for VS Code: starts the language server, feeds it the selected interpreter and settings, shows the
// environment in the status bar, and offers pick-environment / restart / doctor / terminal commands.
//
// Settings reach the server without a reload: on a change of `tfLsp.*` or of the Python extensions' selected
// environment the extension sends workspace/didChangeConfiguration (settings: null); the server then pulls
// workspace/configuration for section `tfLsp`, which the middleware below answers per folder with the chosen
// interpreter filled in and trustedWorkspace forced off in an untrusted workspace.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient, LanguageClientOptions, ServerOptions, State, TransportKind,
} from 'vscode-languageclient/node';
import {
  DOCUMENT_SELECTOR, EnvironmentEntry, InterpreterPick, NO_PYTHON_MESSAGE, SECTION, StatusParams, activationFor,
  environmentItems, persistTarget, prefixOf, selectInterpreter, statusText, statusTooltip,
  toServerSettings,
} from './logic';
import { InterpreterProvider, PROVIDER_IDS, providerFromExports } from './pythonApis';
import { LaunchCommand, resolveServerLaunch } from './serverLaunch';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;
const statuses = new Map<string, StatusParams>();
const providers: InterpreterProvider[] = [];
const DOCTOR_SCHEME = 'tf-lsp-doctor';
const doctorDocs = new Map<string, string>();
const doctorChanged = new vscode.EventEmitter<vscode.Uri>();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('tf-lsp');
  statusItem = vscode.window.createStatusBarItem('tfLsp.status', vscode.StatusBarAlignment.Left, 50);
  statusItem.name = 'tf-lsp environment';
  statusItem.command = 'tfLsp.verifyInstallation';
  context.subscriptions.push(output, statusItem, doctorChanged);

  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(DOCTOR_SCHEME, {
    onDidChange: doctorChanged.event,
    provideTextDocumentContent: (uri) => doctorDocs.get(uri.toString()) ?? '',
  }));
  context.subscriptions.push(
    vscode.commands.registerCommand('tfLsp.restartServer', () => restart(context)),
    vscode.commands.registerCommand('tfLsp.pickEnvironment', pickEnvironment),
    vscode.commands.registerCommand('tfLsp.pickNotebookEnvironment', pickNotebookEnvironment),
    vscode.commands.registerCommand('tfLsp.verifyInstallation', verifyInstallation),
    vscode.commands.registerCommand('tfLsp.verifyFiles', verifyFiles),
    vscode.commands.registerCommand('tfLsp.openTerminal', openTerminal),
    vscode.commands.registerCommand('tfLsp.showOutput', () => output.show()),
    vscode.window.onDidChangeActiveTextEditor(() => renderStatus()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => restart(context)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('tfLsp.serverCommand')) void restart(context);
      else if (e.affectsConfiguration(SECTION)) notifyConfigurationChanged();
    }),
  );
  await loadProviders(context);
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop().catch(() => undefined);
}

// --- interpreter providers --------------------------------------------------------------------------------------

async function loadProviders(context: vscode.ExtensionContext): Promise<void> {
  for (const id of PROVIDER_IDS) {
    const ext = vscode.extensions.getExtension(id);
    if (!ext) continue;
    try {
      const provider = providerFromExports(id, ext.isActive ? ext.exports : await ext.activate());
      if (!provider) continue;
      providers.push(provider);
      const sub = provider.onDidChange(() => notifyConfigurationChanged());
      if (sub) context.subscriptions.push(sub);
      output.appendLine(`Using ${id} for the selected interpreter.`);
    } catch (err) {
      output.appendLine(`Could not use ${id}: ${String(err)}`);
    }
  }
}

async function interpreterFor(folder: vscode.WorkspaceFolder | undefined): Promise<InterpreterPick> {
  const read = async (kind: string) => {
    const p = providers.find((x) => x.kind === kind);
    return p ? p.interpreterFor(folder?.uri).catch(() => undefined) : undefined;
  };
  return selectInterpreter({
    pythonEnvs: await read('python-envs'),
    msPython: await read('ms-python'),
    setting: vscode.workspace.getConfiguration(SECTION, folder?.uri).get<string>('interpreter'),
  });
}

async function settingsFor(folder: vscode.WorkspaceFolder | undefined) {
  const cfg = vscode.workspace.getConfiguration(SECTION, folder?.uri);
  return toServerSettings((k) => cfg.get(k), {
    interpreter: await interpreterFor(folder), trusted: vscode.workspace.isTrusted,
  });
}

function notifyConfigurationChanged(): void {
  if (client?.state === State.Running) {
    void client.sendNotification('workspace/didChangeConfiguration', { settings: null });
  }
}

/** The server switched interpreter (a quick fix or the picker): remember it where the user's choice lives. */
async function persistInterpreter(params: { uri?: string; python?: string; why?: string }): Promise<void> {
  if (!params?.python) return;
  const folderUri = params.uri ? vscode.Uri.parse(params.uri) : vscode.workspace.workspaceFolders?.[0]?.uri;
  const folder = folderUri ? vscode.workspace.getWorkspaceFolder(folderUri) : undefined;
  output.appendLine(`Interpreter changed to ${params.python}${params.why ? ` (${params.why})` : ''}`);
  const target = persistTarget({
    pythonEnvs: providers.some((p) => p.kind === 'python-envs'),
    msPython: providers.some((p) => p.kind === 'ms-python'),
  });
  const provider = providers.find((p) => p.kind === target);
  try {
    if (provider) {
      await provider.persist(params.python, folderUri, (p) => vscode.Uri.file(p));
      return;
    }
  } catch (err) {
    output.appendLine(`Could not store the interpreter with ${target}: ${String(err)}; using tfLsp.interpreter`);
  }
  const cfg = vscode.workspace.getConfiguration(SECTION, folder?.uri);
  if (cfg.get<string>('interpreter') === params.python) return;
  await cfg.update('interpreter', params.python,
    folder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Workspace);
}

// --- the client ---------------------------------------------------------------------------------------------------

/** How to start the server, or the one sentence that says why it cannot be started. */
async function resolveLaunch(context: vscode.ExtensionContext): Promise<{ launch?: LaunchCommand; problem?: string }> {
  const tried: string[] = [];
  const pinned = process.env.TF_LSP_SERVER_PYTHON;
  const result = await resolveServerLaunch(context.extensionPath,
    vscode.workspace.getConfiguration(SECTION).get('serverCommand'), process.platform, pinned ? [pinned] : [], tried);
  if (result.problem) {
    output.appendLine(`ERROR: ${result.problem}`);
    if (tried.length) output.appendLine(`Tried: ${tried.join('; ')}`);
  }
  return result;
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const { launch, problem } = await resolveLaunch(context);
  if (!launch) {
    const message = problem ?? NO_PYTHON_MESSAGE;
    statusItem.text = '$(error) tf-lsp: no server';
    statusItem.tooltip = message;
    statusItem.command = 'tfLsp.showOutput';
    statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    statusItem.show();
    output.show(true);
    void vscode.window.showErrorMessage(message, 'Show Output').then((x) => x && output.show());
    return;
  }
  statusItem.command = 'tfLsp.verifyInstallation';
  output.appendLine(`Starting the server: ${launch.describe}`);
  const serverOptions: ServerOptions = {
    command: launch.command, args: launch.args, transport: TransportKind.stdio,
    options: { env: { ...process.env, ...(launch.env ?? {}) } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,     // with notebook cells: the client syncs notebooks (LSP 3.17)
    outputChannel: output,
    traceOutputChannel: output,
    initializationOptions: { [SECTION]: await settingsFor(vscode.workspace.workspaceFolders?.[0]) },
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) return answers;
          return Promise.all(params.items.map(async (item, i) => {
            if (item.section !== SECTION) return answers[i];
            const uri = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            return settingsFor(uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined);
          }));
        },
      },
    },
  };
  client = new LanguageClient('tfLsp', 'tf-lsp', serverOptions, clientOptions);
  client.onNotification('tfLsp/status', (p: StatusParams) => { if (p?.uri) statuses.set(p.uri, p); renderStatus(); });
  client.onNotification('tfLsp/interpreterChanged', (p) => { void persistInterpreter(p); });
  try {
    await client.start();
  } catch (err) {
    output.appendLine(`ERROR: the server did not start: ${String(err)}`);
    void vscode.window.showErrorMessage(`tf-lsp: the server did not start (${launch.describe}). See the output.`);
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  const old = client;
  client = undefined;
  await old?.stop().catch(() => undefined);
  statuses.clear();
  await start(context);
}

// --- status bar -------------------------------------------------------------------------------------------------

function currentFolder(): vscode.WorkspaceFolder | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return (doc && vscode.workspace.getWorkspaceFolder(doc.uri)) || vscode.workspace.workspaceFolders?.[0];
}

function statusForFolder(folder: vscode.WorkspaceFolder | undefined): StatusParams | undefined {
  if (!folder) return statuses.values().next().value;
  const want = folder.uri.toString();
  for (const [uri, s] of statuses) {
    if (vscode.Uri.parse(uri).toString() === want) return s;
  }
  return statuses.size === 1 ? statuses.values().next().value : undefined;
}

function renderStatus(): void {
  const s = statusForFolder(currentFolder());
  if (!s) return;
  statusItem.text = statusText(s);
  statusItem.tooltip = statusTooltip(s);
  statusItem.backgroundColor = s.broken ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  statusItem.show();
}

// --- commands ---------------------------------------------------------------------------------------------------

function running(): LanguageClient | undefined {
  if (client?.state === State.Running) return client;
  void vscode.window.showErrorMessage('tf-lsp: the server is not running. See "tf-lsp: Show Output".');
  return undefined;
}

async function pickEnvironment(): Promise<void> {
  const c = running();
  const folder = currentFolder();
  if (!c) return;
  const envs = await c.sendRequest<EnvironmentEntry[]>('workspace/executeCommand',
    { command: 'tfLsp.listEnvironments', arguments: [{ uri: folder?.uri.toString() }] });
  const picked = await vscode.window.showQuickPick(environmentItems(envs ?? []),
    { title: 'tf-lsp: environment to check imports against', matchOnDetail: true, matchOnDescription: true });
  if (!picked) return;
  await c.sendRequest('workspace/executeCommand',
    { command: 'tfLsp.useInterpreter', arguments: [{ python: picked.python, uri: folder?.uri.toString() }] });
}

/** The interpreter for the active notebook only (it wins over the notebook's kernelspec on the server). */
async function pickNotebookEnvironment(): Promise<void> {
  const c = running();
  const notebook = vscode.window.activeNotebookEditor?.notebook;
  if (!c) return;
  if (!notebook) {
    void vscode.window.showWarningMessage('tf-lsp: open a notebook first.');
    return;
  }
  const folder = vscode.workspace.getWorkspaceFolder(notebook.uri);
  const envs = await c.sendRequest<EnvironmentEntry[]>('workspace/executeCommand',
    { command: 'tfLsp.listEnvironments', arguments: [{ uri: folder?.uri.toString() }] });
  const picked = await vscode.window.showQuickPick(environmentItems(envs ?? []),
    { title: `tf-lsp: environment that runs ${path.basename(notebook.uri.fsPath)}`, matchOnDetail: true });
  if (!picked) return;
  await c.sendRequest('workspace/executeCommand', { command: 'tfLsp.useNotebookInterpreter',
    arguments: [{ python: picked.python, uri: c.code2ProtocolConverter.asUri(notebook.uri) }] });
}

async function verifyInstallation(): Promise<void> {
  const c = running();
  const folder = currentFolder();
  if (!c) return;
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'tf-lsp: checking the environment…' },
    () => c.sendRequest<{ text?: string }>('workspace/executeCommand',
      { command: 'tfLsp.doctor', arguments: [{ uri: folder?.uri.toString() }] }));
  const uri = vscode.Uri.from({ scheme: DOCTOR_SCHEME, path: `/${folder?.name ?? 'workspace'}/doctor.txt` });
  doctorDocs.set(uri.toString(), report?.text ?? JSON.stringify(report, null, 2));
  doctorChanged.fire(uri);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
}

/** `tf-lsp verify`: every installed file of TensorFlow and its runtime dependencies hashed against RECORD. */
async function verifyFiles(): Promise<void> {
  const c = running();
  const folder = currentFolder();
  if (!c) return;
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'tf-lsp: hashing installed files against RECORD…' },
    () => c.sendRequest<{ text?: string }>('workspace/executeCommand',
      { command: 'tfLsp.verify', arguments: [{ uri: folder?.uri.toString() }] }));
  const uri = vscode.Uri.from({ scheme: DOCTOR_SCHEME, path: `/${folder?.name ?? 'workspace'}/verify.txt` });
  doctorDocs.set(uri.toString(), report?.text ?? JSON.stringify(report, null, 2));
  doctorChanged.fire(uri);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
}

function openTerminal(): void {
  const folder = currentFolder();
  const s = statusForFolder(folder);
  if (!s?.python) {
    void vscode.window.showWarningMessage('tf-lsp: no environment selected yet.');
    return;
  }
  const prefix = prefixOf(s.python);
  const bin = path.dirname(s.python);
  const activate = activationFor(s.activate, vscode.env.shell);
  // the environment's own activation (conda needs it: its activate scripts set more than PATH); a PATH in front
  // when the server gave no command for this shell
  const term = vscode.window.createTerminal({
    name: `tf-lsp: ${s.envName ?? prefix}`,
    cwd: folder?.uri,
    env: activate ? undefined : { VIRTUAL_ENV: prefix, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
  });
  if (activate) term.sendText(activate);
  term.show();
}
