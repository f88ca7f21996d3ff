-- tf-lsp commands for Neovim 0.10+ (loaded automatically when editors/nvim is on 'runtimepath').
--
--   :TfLspSelectInterpreter   pick the interpreter to check against among the environments the server found
--                             (vim.ui.select over tfLsp.listEnvironments, then tfLsp.selectInterpreter)
--   :TfLspDoctor              the server's report on the interpreter, the environment and TensorFlow, in a split
--   :TfLspVerify [names...]   hash the installed files of these distributions (default: TensorFlow and what it
--                             imports at runtime) against their RECORD (tfLsp.verify; slow for TensorFlow), in a split
--
-- All talk to the client named "tf_lsp" attached to the current buffer (lsp/tf_lsp.lua or lspconfig.lua).
if vim.g.loaded_tf_lsp then
  return
end
vim.g.loaded_tf_lsp = true

local NAME = 'tf_lsp'

local function client_for(bufnr)
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  return get({ bufnr = bufnr, name = NAME })[1]
end

-- Client methods are called with ':' from 0.11 on, with '.' before.
local function request(client, method, params, handler, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function execute(bufnr, command, argument, on_result)
  local client = client_for(bufnr)
  if not client then
    vim.notify('tf-lsp is not running for this buffer', vim.log.levels.WARN)
    return
  end
  local params = { command = command, arguments = { argument } }
  request(client, 'workspace/executeCommand', params, function(err, result)
    if err then
      vim.notify(('tf-lsp: %s failed: %s'):format(command, err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    if on_result then
      on_result(result)
    end
  end, bufnr)
end

local function describe(env)
  local mark = env.selected and '* ' or '  '
  local where = env.in_workspace and 'workspace ' or ''
  return ('%s%s  (%s%s, Python %s)  %s'):format(mark, env.name or env.path, where, env.kind or '?',
    env.python or '?', env.python_path or env.path)
end

vim.api.nvim_create_user_command('TfLspSelectInterpreter', function()
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  execute(bufnr, 'tfLsp.listEnvironments', { uri = uri }, function(envs)
    if type(envs) ~= 'table' or #envs == 0 then
      vim.notify('tf-lsp found no Python environments', vim.log.levels.WARN)
      return
    end
    vim.ui.select(envs, { prompt = 'Python interpreter for tf-lsp:', format_item = describe }, function(env)
      if env then
        execute(bufnr, 'tfLsp.selectInterpreter', { python = env.python_path or env.path, uri = uri })
      end
    end)
  end)
end, { desc = 'tf-lsp: choose the Python interpreter to check imports against' })

-- A read-only scratch split named `name` holding `text`.
local function show(name, text)
  vim.cmd('botright new')
  local out = vim.api.nvim_get_current_buf()
  vim.bo[out].buftype = 'nofile'
  vim.bo[out].bufhidden = 'wipe'
  vim.bo[out].swapfile = false
  vim.api.nvim_buf_set_lines(out, 0, -1, false, vim.split(text, '\n', { plain = true }))
  vim.bo[out].modifiable = false
  pcall(vim.api.nvim_buf_set_name, out, name)
end

local function text_of(result)
  return type(result) == 'table' and type(result.text) == 'string' and result.text or vim.inspect(result)
end

vim.api.nvim_create_user_command('TfLspDoctor', function()
  local bufnr = vim.api.nvim_get_current_buf()
  execute(bufnr, 'tfLsp.doctor', { uri = vim.uri_from_bufnr(bufnr) }, function(report)
    show('tf-lsp doctor', text_of(report))
  end)
end, { desc = 'tf-lsp: report on the interpreter, its environment and TensorFlow' })

vim.api.nvim_create_user_command('TfLspVerify', function(opts)
  local bufnr = vim.api.nvim_get_current_buf()
  local argument = { uri = vim.uri_from_bufnr(bufnr) }
  if #opts.fargs > 0 then
    argument.names = opts.fargs
  end
  vim.notify('tf-lsp: verifying ' .. (#opts.fargs > 0 and table.concat(opts.fargs, ', ') or 'the TensorFlow family')
    .. ' against RECORD ...', vim.log.levels.INFO)
  execute(bufnr, 'tfLsp.verify', argument, function(result)
    show('tf-lsp verify', text_of(result))
  end)
end, { nargs = '*', desc = 'tf-lsp: hash installed files against RECORD (default: TensorFlow and its runtime dependencies)' })
