" Drives real Vim 9 + ALE with editors/vim unchanged on 'runtimepath':
"   vim -N -u vim_driver.vim -i NONE -n -es main.py     (cwd: the workspace)
" The diagnostic arrives, then ($TF_LSP_VIM_FLOW):
"   code-action: :ALECodeAction lists the fixes, the user types the number of "Use good-env" -> cleared;
"   select:      :TfLspSelectInterpreter -> good-env clears it, :TfLspVerify six reports good-env's six,
"                -> .venv brings it back, :TfLspDoctor.
" Writes what happened to $TF_LSP_RESULT as JSON.
set nocompatible
packadd ale
let &runtimepath .= ',' . $TF_LSP_EDITORS_DIR . '/vim'
filetype plugin on
" A user's vimrc: only tf-lsp for Python here.
let g:ale_linters = {'python': ['tf_lsp']}

let s:result = {'steps': [], 'listed': [], 'menu': [], 'messages': []}

function! s:Finish(error) abort
    if !empty(a:error)
        let s:result.error = a:error
    endif
    let s:result.messages += split(execute('messages'), "\n")
    call writefile([json_encode(s:result)], $TF_LSP_RESULT)
    execute empty(a:error) ? 'qall!' : 'cquit 3'
endfunction

function! s:Ours() abort
    return filter(copy(ale#engine#GetLoclist(bufnr(''))), {_, i -> get(i, 'linter_name', '') is# 'tf_lsp'})
endfunction

function! s:Tfl102() abort
    return filter(s:Ours(), {_, i -> get(i, 'code', '') is# 'TFL102'})
endfunction

" Wait for a condition as Vim's main loop would (channel callbacks and timers run during :sleep); a server
" that exits ends the wait at once.
function! s:Wait(seconds, what, Cond) abort
    let l:start = reltime()
    while !a:Cond()
        for l:conn in values(ale#lsp#GetConnections())
            if has_key(l:conn, 'job_id') && !ale#job#IsRunning(l:conn.job_id)
                throw 'tf-lsp exited while waiting for ' . a:what
            endif
        endfor
        if reltimefloat(reltime(l:start)) > a:seconds
            throw 'timed out waiting for ' . a:what
        endif
        sleep 10m
    endwhile
    call add(s:result.steps, a:what)
endfunction

" ALE's menu of code actions (normally typed at a prompt): record the titles, answer "Use good-env".
function! s:AnswerCodeActionMenu(prompt, ...) abort
    let l:lines = filter(split(a:prompt, "\n"), {_, l -> l =~# '^\d\+) '})
    let s:result.listed = map(copy(l:lines), {_, l -> substitute(l, '^\d\+) ', '', '')})
    let l:pick = match(s:result.listed, '^Use good-env')
    return string(l:pick + 1)
endfunction

function! s:CodeActionAnswered() abort
    if execute('messages') =~# 'No code actions received from server'
        throw 'ALE: No code actions received from server'
    endif
    return !empty(s:result.listed)
endfunction

" :TfLspSelectInterpreter, the user picking the environment whose menu line starts with a:name.
function! s:Select(name) abort
    let s:wanted = a:name
    function! TestPick(lines) abort
        let s:result.menu = a:lines
        return match(a:lines, '^[* ] \V' . s:wanted . ' ') + 1
    endfunction
    let g:tf_lsp_choose = 'TestPick'
    TfLspSelectInterpreter
endfunction

function! s:Run() abort
    if !exists(':TfLspSelectInterpreter')
        throw 'plugin/tf_lsp.vim was not loaded from editors/vim'
    endif
    call s:Wait(20, 'TFL102 published', {-> !empty(s:Tfl102())})
    let s:result.diagnostics = map(s:Ours(), {_, i -> {'lnum': i.lnum, 'col': i.col, 'end_col': get(i, 'end_col', -1),
    \   'code': get(i, 'code', ''), 'type': i.type, 'text': i.text}})

    if $TF_LSP_VIM_FLOW is# 'code-action'
        " :ALECodeAction on `six`, the user typing the number of "Use good-env ...".
        runtime autoload/ale/util.vim
        function! ale#util#Input(message, value, ...) abort
            return s:AnswerCodeActionMenu(a:message)
        endfunction
        call cursor(s:Tfl102()[0].lnum, s:Tfl102()[0].col)
        ALECodeAction
        call s:Wait(10, 'code actions listed', function('s:CodeActionAnswered'))
        call s:Wait(20, 'diagnostics cleared', {-> empty(s:Ours())})
    else
        call s:Select('good-env')
        call s:Wait(20, 'diagnostics cleared', {-> empty(s:Ours())})
        " :TfLspVerify six: the server hashes good-env's six against its RECORD; the report opens in a split.
        TfLspVerify six
        call s:Wait(30, 'verify report shown', {-> bufexists('tf-lsp verify')})
        let s:result.verify = join(getbufline(bufnr('tf-lsp verify'), 1, '$'), "\n")
        close
        call s:Select('.venv')
        call s:Wait(20, 'TFL102 back', {-> !empty(s:Tfl102())})
        " :TfLspDoctor opens the server's report in a split.
        TfLspDoctor
        call s:Wait(10, 'doctor report shown', {-> bufexists('tf-lsp doctor')})
        let s:result.doctor = join(getbufline(bufnr('tf-lsp doctor'), 1, '$'), "\n")
    endif
endfunction

function! s:Main() abort
    try
        call s:Run()
        call s:Finish('')
    catch
        call s:Finish(v:exception . ' @ ' . v:throwpoint)
    endtry
endfunction

autocmd VimEnter * call s:Main()
