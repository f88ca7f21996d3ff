-- tf-lsp through nvim-lspconfig, for Neovim 0.9/0.10 configurations (on 0.11+ prefer lsp/tf_lsp.lua with
-- vim.lsp.enable('tf_lsp')).  Paste this into your init.lua after nvim-lspconfig is loaded, or keep it as a file
-- and `dofile()` it.  Add tf-lsp's editors/nvim folder to 'runtimepath' for :TfLspSelectInterpreter and
-- :TfLspDoctor, :TfLspVerify (plugin/tf_lsp.lua works with this setup too: the client is named "tf_lsp" either way).
local lspconfig = require('lspconfig')
local configs = require('lspconfig.configs')

if not configs.tf_lsp then
  configs.tf_lsp = {
    default_config = {
      cmd = { 'tf-lsp', 'serve' },
      filetypes = { 'python' },
      root_dir = lspconfig.util.root_pattern('pyproject.toml', 'setup.cfg', 'setup.py', 'requirements.txt', '.git'),
      single_file_support = true,
      settings = {
        -- The "tfLsp" section; every key is optional (see lsp/tf_lsp.lua for what each one does).
        tfLsp = {
          interpreter = '',
          extraPaths = {},
          installer = 'auto',
          checkAllImports = true,
          trustedWorkspace = true,
          -- env = { TF_USE_LEGACY_KERAS = '1' },
          -- severity = { TFL114 = 'none' },
        },
      },
      handlers = {
        ['tfLsp/interpreterChanged'] = function(_, result)
          if type(result) == 'table' and result.python then
            vim.notify(('tf-lsp: now checking with %s\n%s'):format(result.python, result.why or ''), vim.log.levels.INFO)
          end
        end,
        ['tfLsp/status'] = function(_, result)
          if type(result) == 'table' and result.uri then
            local all = vim.g.tf_lsp_status or {}
            all[result.uri] = result
            vim.g.tf_lsp_status = all
          end
        end,
      },
    },
    docs = {
      description = 'tf-lsp: will `import tensorflow` (and every other import) work in the interpreter this '
        .. 'workspace is configured to use?  `pip install tf-lsp`; the server is `tf-lsp serve`.',
    },
  }
end

lspconfig.tf_lsp.setup({
  -- settings = { tfLsp = { interpreter = '~/envs/tf/bin/python' } },
})
