-- Drives real Neovim 0.11 with the shipped editors/nvim configuration (added to 'runtimepath', nothing else
-- changed): diagnostic -> code actions through vim.lsp.buf.code_action() -> "Use good-env" clears it ->
-- :TfLspVerify six reports good-env's six -> :TfLspSelectInterpreter back to .venv brings it back. Writes what happened to $TF_LSP_RESULT as JSON.
local result = { steps = {}, notifications = {}, listed = {}, menu = {} }
local out_path = assert(vim.env.TF_LSP_RESULT, 'TF_LSP_RESULT is not set')

local function finish(err)
  result.error = err
  local f = assert(io.open(out_path, 'w'))
  f:write(vim.json.encode(result))
  f:close()
  vim.cmd(err and 'cquit 3' or 'qall!')
end

vim.opt.runtimepath:prepend(vim.env.TF_LSP_EDITORS_DIR .. '/nvim')
vim.lsp.enable('tf_lsp')

vim.notify = function(msg, level)
  table.insert(result.notifications, { msg = tostring(msg), level = level })
end

local client_id
local function client()
  return client_id and vim.lsp.get_client_by_id(client_id) or nil
end

-- Wait for cond(); a server that exits ends the wait at once (and the test with it).
local function wait(ms, what, cond)
  local gone = false
  local ok = vim.wait(ms, function()
    for _, n in ipairs(result.notifications) do
      if n.msg:find('quit with exit code') then
        gone = true
        return true
      end
    end
    if client_id then
      local c = client()
      if not c or c:is_stopped() then
        gone = true
        return true
      end
    end
    return cond()
  end, 10)
  if gone then
    error(('tf-lsp exited while waiting for %s'):format(what))
  end
  if not ok then
    error('timed out waiting for ' .. what)
  end
  table.insert(result.steps, what)
end

local function ours(bufnr)
  return vim.tbl_filter(function(d)
    return d.source == 'tf-lsp'
  end, vim.diagnostic.get(bufnr))
end

local function run()
  local bufnr = vim.api.nvim_get_current_buf()
  local shipped = vim.lsp.config.tf_lsp
  result.config = { cmd = shipped.cmd, filetypes = shipped.filetypes, root_markers = shipped.root_markers,
    settings = shipped.settings }
  wait(10000, 'client attached', function()
    local c = vim.lsp.get_clients({ bufnr = bufnr, name = 'tf_lsp' })[1]
    client_id = client_id or (c and c.id)
    return c ~= nil and c.initialized
  end)

  local diag
  wait(20000, 'TFL102 published', function()
    for _, d in ipairs(ours(bufnr)) do
      if d.code == 'TFL102' then
        diag = d
        return true
      end
    end
    return false
  end)
  result.diagnostics = vim.tbl_map(function(d)
    return { lnum = d.lnum, col = d.col, end_col = d.end_col, code = d.code, severity = d.severity,
      message = d.message, source = d.source }
  end, ours(bufnr))

  -- The user's path: cursor on the diagnostic, vim.lsp.buf.code_action(); the filter sees every action
  -- the server offered (recorded) and keeps "Use good-env", which apply=true then runs.
  vim.api.nvim_win_set_cursor(0, { diag.lnum + 1, diag.col })
  local offered = false
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      offered = true
      table.insert(result.listed, { title = action.title, kind = action.kind,
        command = action.command and action.command.command or nil })
      return action.title:find('^Use good%-env') ~= nil
    end,
  })
  wait(10000, 'code actions listed', function()
    return offered
  end)
  wait(20000, 'diagnostics cleared', function()
    return #ours(bufnr) == 0
  end)
  wait(5000, 'interpreterChanged notified', function()
    for _, n in ipairs(result.notifications) do
      if n.msg:find('good%-env') then
        return true
      end
    end
    return false
  end)
  wait(5000, 'tfLsp/status shows good-env', function()
    local all = vim.g.tf_lsp_status or {}
    for _, st in pairs(all) do
      if st.envName == 'good-env' then
        return true
      end
    end
    return false
  end)

  -- :TfLspVerify six (good-env has it, installed by pip): the server hashes its files against RECORD and the
  -- report opens in a split; :close goes back to main.py.
  vim.cmd('TfLspVerify six')
  wait(30000, 'verify report shown', function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_get_name(b):match('tf%-lsp verify$') then
        result.verify = table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n')
        return true
      end
    end
    return false
  end)
  vim.cmd('close')

  -- :TfLspSelectInterpreter, picking .venv in the menu, brings the diagnostic back.
  vim.ui.select = function(items, opts, on_choice)
    local pick
    for _, item in ipairs(items) do
      table.insert(result.menu, opts.format_item(item))
      if item.name == '.venv' then
        pick = item
      end
    end
    on_choice(pick)
  end
  vim.cmd('TfLspSelectInterpreter')
  wait(20000, 'TFL102 back after :TfLspSelectInterpreter', function()
    for _, d in ipairs(ours(bufnr)) do
      if d.code == 'TFL102' then
        return true
      end
    end
    return false
  end)

  -- :TfLspDoctor opens the server's report in a split.
  vim.cmd('TfLspDoctor')
  wait(10000, 'doctor report shown', function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      local first = vim.api.nvim_buf_get_lines(b, 0, 1, false)[1]
      if first == 'tf-lsp doctor' then
        result.doctor = table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n')
        return true
      end
    end
    return false
  end)
end

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  callback = function()
    local ok, err = xpcall(run, debug.traceback)
    finish(not ok and tostring(err) or nil)
  end,
})
