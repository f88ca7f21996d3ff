-- tf-lsp for Neovim 0.11+ (the built-in `vim.lsp.config` form).
--
-- Put this file on your 'runtimepath' as lsp/tf_lsp.lua (for example ~/.config/nvim/lsp/tf_lsp.lua), or add the
-- whole editors/nvim folder of tf-lsp to 'runtimepath' (it also brings plugin/tf_lsp.lua: :TfLspSelectInterpreter
-- :TfLspDoctor and :TfLspVerify). Then, in init.lua:
--
--     vim.lsp.enable('tf_lsp')
--
-- Change any field without editing this file, e.g.:
--
--     vim.lsp.config('tf_lsp', {
--       cmd = { '/path/to/venv/bin/tf-lsp', 'serve' },          -- when tf-lsp is not on $PATH
--       settings = { tfLsp = { interpreter = '~/envs/tf/bin/python', severity = { TFL114 = 'none' } } },
--     })
--
-- Diagnostics (source "tf-lsp", codes TFL100..TFL190) show like any other; their fixes are code actions
-- (vim.lsp.buf.code_action(), or `gra` in 0.11's default mappings). The fixes that run something (switch the
-- interpreter, pip install ...) are server commands: Neovim sends them to the server as workspace/executeCommand.

---@type vim.lsp.Config
return {
  cmd = { 'tf-lsp', 'serve' },
  filetypes = { 'python' },
  -- The nearest of these, searching upward from the file, is the workspace root (the folder whose .venv,
  -- poetry/pipenv/conda environment, pyproject.toml and requirements are used).
  root_markers = { 'pyproject.toml', 'setup.cfg', 'setup.py', 'requirements.txt', '.git' },
  settings = {
    -- Sent as the "tfLsp" section (workspace/configuration). Every key is optional; these are the defaults.
    tfLsp = {
      -- Python interpreter (or environment folder) to check against; empty: discover it (.venv, poetry, pipenv,
      -- conda, pyenv, $VIRTUAL_ENV ...). :TfLspSelectInterpreter switches for the session.
      interpreter = '',
      -- Extra folders put on sys.path after the script's folder, as PYTHONPATH would.
      extraPaths = {},
      -- env = { TF_USE_LEGACY_KERAS = '1' },  -- environment variables the program runs with
      -- Which tool the install/uninstall fixes run: auto, pip, uv, conda, poetry or pipenv.
      installer = 'auto',
      -- Check every import (true) or only the names the rule packs cover: TensorFlow, JAX and their families (false).
      checkAllImports = true,
      -- severity = { TFL114 = 'none' },       -- per-code: error, warning, information, hint or none
      -- false: never run an interpreter that lives inside the workspace (static analysis only).
      trustedWorkspace = true,
    },
  },
  handlers = {
    -- The server switched interpreters (a "Use <env>" fix, :TfLspSelectInterpreter, a new .venv ...).
    ['tfLsp/interpreterChanged'] = function(_, result)
      if type(result) == 'table' and result.python then
        vim.notify(('tf-lsp: now checking with %s\n%s'):format(result.python, result.why or ''), vim.log.levels.INFO)
      end
    end,
    -- Which environment each workspace folder is checked against; read it with
    -- vim.g.tf_lsp_status[folder_uri] (e.g. in a statusline).
    ['tfLsp/status'] = function(_, result)
      if type(result) == 'table' and result.uri then
        local all = vim.g.tf_lsp_status or {}
        all[result.uri] = result
        vim.g.tf_lsp_status = all
      end
    end,
  },
}
