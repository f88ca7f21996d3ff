" tf-lsp commands for Vim with ALE (see ../ale_linters/python/tf_lsp.vim for the setup).
"
"   :TfLspSelectInterpreter   pick the interpreter to check against among the environments the server found
"   :TfLspDoctor              the server's report on the interpreter, its environment and TensorFlow
"   :TfLspVerify [names...]   hash the installed files of these distributions (default: TensorFlow and what it
"                             imports at runtime) against their RECORD (tfLsp.verify; slow for TensorFlow)
"
" The interpreter menu is inputlist(); to use another picker, set g:tf_lsp_choose to the name of a function that
" takes the list of menu lines and returns the 1-based number picked (0: none).
if exists('g:loaded_tf_lsp')
    finish
endif
let g:loaded_tf_lsp = 1

function! s:Uri(buffer) abort
    return ale#path#ToFileURI(fnamemodify(bufname(a:buffer), ':p'))
endfunction

function! s:Execute(buffer, command, argument, Then) abort
    let l:message = [0, 'workspace/executeCommand', {'command': a:command, 'arguments': [a:argument]}]

    return ale#lsp_linter#SendRequest(a:buffer, 'tf_lsp', l:message, {response -> s:Done(a:command, response, a:Then)})
endfunction

function! s:Done(command, response, Then) abort
    if has_key(a:response, 'error')
        echohl ErrorMsg
        echomsg 'tf-lsp: ' . a:command . ' failed: ' . get(a:response.error, 'message', string(a:response.error))
        echohl None

        return
    endif

    call a:Then(get(a:response, 'result', v:null))
endfunction

function! s:Describe(env) abort
    return printf('%s%s  (%s%s, Python %s)  %s', get(a:env, 'selected', v:false) is v:true ? '* ' : '  ',
    \   get(a:env, 'name', ''), get(a:env, 'in_workspace', v:false) is v:true ? 'workspace ' : '',
    \   get(a:env, 'kind', '?'), get(a:env, 'python', '?'), get(a:env, 'python_path', get(a:env, 'path', '')))
endfunction

function! s:InputList(lines) abort
    return inputlist(['Python interpreter for tf-lsp:'] + map(copy(a:lines), {i, l -> (i + 1) . '. ' . l}))
endfunction

function! s:Selected(result) abort
    echomsg 'tf-lsp: now checking with ' . (type(a:result) == v:t_dict ? get(a:result, 'python', '?') : '?')
endfunction

function! s:Pick(buffer, envs) abort
    if type(a:envs) != v:t_list || empty(a:envs)
        echomsg 'tf-lsp found no Python environments'

        return
    endif

    let l:Choose = function(get(g:, 'tf_lsp_choose', 's:InputList'))
    let l:choice = l:Choose(map(copy(a:envs), {_, e -> s:Describe(e)}))

    if l:choice < 1 || l:choice > len(a:envs)
        return
    endif

    let l:env = a:envs[l:choice - 1]
    let l:argument = {'python': get(l:env, 'python_path', l:env.path), 'uri': s:Uri(a:buffer)}
    call s:Execute(a:buffer, 'tfLsp.selectInterpreter', l:argument, function('s:Selected'))
endfunction

function! s:SelectInterpreter() abort
    let l:buffer = bufnr('')
    call s:Execute(l:buffer, 'tfLsp.listEnvironments', {'uri': s:Uri(l:buffer)}, {envs -> s:Pick(l:buffer, envs)})
endfunction

" The server's {text: ...} answer in a read-only scratch split named a:name.
function! s:Show(name, result) abort
    let l:text = type(a:result) == v:t_dict ? get(a:result, 'text', '') : string(a:result)
    botright new
    setlocal buftype=nofile bufhidden=wipe noswapfile
    call setline(1, split(l:text, "\n"))
    setlocal nomodifiable
    silent! execute 'file ' . fnameescape(a:name)
endfunction

function! s:Doctor() abort
    let l:buffer = bufnr('')
    call s:Execute(l:buffer, 'tfLsp.doctor', {'uri': s:Uri(l:buffer)}, {report -> s:Show('tf-lsp doctor', report)})
endfunction

function! s:Verify(names) abort
    let l:buffer = bufnr('')
    let l:argument = {'uri': s:Uri(l:buffer)}
    if !empty(a:names)
        let l:argument.names = a:names
    endif
    echomsg 'tf-lsp: verifying ' . (empty(a:names) ? 'the TensorFlow family' : join(a:names, ', ')) . ' against RECORD ...'
    call s:Execute(l:buffer, 'tfLsp.verify', l:argument, {result -> s:Show('tf-lsp verify', result)})
endfunction

command! TfLspSelectInterpreter call s:SelectInterpreter()
command! TfLspDoctor call s:Doctor()
command! -nargs=* TfLspVerify call s:Verify([<f-args>])
