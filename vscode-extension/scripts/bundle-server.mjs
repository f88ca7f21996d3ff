// Puts the server into bundled/ for packaging, the way Microsoft's Python tool extensions ship theirs:
//   bundled/libs  its dependencies, from requirements.txt (pinned, --require-hashes, wheels only, pure Python)
//   bundled/tool  the tf_lsp package copied from the repository + tf_lsp_server.py, the entry point
// The Python that runs pip: $TF_LSP_BUNDLE_PYTHON, else python3. A rerun with the same requirements skips pip.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ext = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const repo = path.dirname(ext);
const libs = path.join(ext, 'bundled', 'libs');
const tool = path.join(ext, 'bundled', 'tool');
const python = process.env.TF_LSP_BUNDLE_PYTHON || 'python3';

const reqs = fs.readFileSync(path.join(ext, 'requirements.txt'));
const digest = createHash('sha256').update(reqs).digest('hex');
const stamp = path.join(libs, '.requirements.sha256');
if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== digest) {
  fs.rmSync(libs, { recursive: true, force: true });
  execFileSync(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '--target', libs,
    '--no-deps', '--require-hashes', '--only-binary=:all:', '--no-compile', '--implementation', 'py',
    '--python-version', '3.10', '--upgrade', '-r', path.join(ext, 'requirements.txt')], { stdio: 'inherit' });
  fs.rmSync(path.join(libs, 'bin'), { recursive: true, force: true });
  fs.writeFileSync(stamp, digest);
}

// Byte code written by earlier runs of the bundled server never goes into the package.
for (const entry of fs.readdirSync(libs, { recursive: true, withFileTypes: true })) {
  if (entry.isDirectory() && entry.name === '__pycache__') {
    fs.rmSync(path.join(entry.parentPath ?? entry.path, entry.name), { recursive: true, force: true });
  }
}
fs.rmSync(tool, { recursive: true, force: true });
fs.mkdirSync(tool, { recursive: true });
fs.cpSync(path.join(repo, 'tf_lsp'), path.join(tool, 'tf_lsp'), {
  recursive: true,
  filter: (src) => !/(__pycache__|\.pyc$|\.orig$|\.rej$|~$)/.test(path.basename(src)),
});
fs.writeFileSync(path.join(tool, 'tf_lsp_server.py'), `"""Entry point of the server bundled with the VS Code extension (run with python -I)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[0:0] = [HERE, os.path.join(os.path.dirname(HERE), "libs")]

if sys.version_info < (3, 10):
    sys.exit("tf-lsp needs Python 3.10 or newer to run its server, not " + sys.version.split()[0])

from tf_lsp.cli import main  # noqa: E402

sys.exit(main(["serve"]))
`);
console.log(`bundled the server into ${path.relative(process.cwd(), path.join(ext, 'bundled')) || 'bundled'}`);
