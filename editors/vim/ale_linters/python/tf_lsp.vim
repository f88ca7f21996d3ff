" tf-lsp for Vim 8.2+/9 with ALE 3.x: will `import tensorflow` (and every other import) work in this project's
" interpreter?  An ALE linter over the tf-lsp language server (`tf-lsp serve`, stdio).
"
" Install: add this folder's parent (tf-lsp's editors/vim) to 'runtimepath' after ALE is loaded, e.g. in vimrc
"
"     packadd! ale                                   " Debian's vim-ale; or your plugin manager's ALE
"     set runtimepath+=/path/to/tf-lsp/editors/vim
"
" ALE then finds this linter for Python files by itself (if you list linters in g:ale_linters, add 'tf_lsp').
" Options (buffer-local b: variants work too):
"
"     let g:ale_python_tf_lsp_executable = 'tf-lsp'    " or /path/to/venv/bin/tf-lsp
"     let g:ale_python_tf_lsp_config = {'interpreter': '~/envs/tf/bin/python', 'severity': {'TFL114': 'none'}}
"
" The config dict is the "tfLsp" settings section (interpreter, extraPaths, env, installer, checkAllImports,
" severity, trustedWorkspace).  Fixes are code actions: :ALECodeAction on the import (ALE sends the ones that
" run something to the server as workspace/executeCommand).  editors/vim/plugin/tf_lsp.vim adds
" :TfLspSelectInterpreter, :TfLspDoctor and :TfLspVerify.

call ale#Set('python_tf_lsp_executable', 'tf-lsp')
call ale#Set('python_tf_lsp_config', {})

" The workspace root: the nearest folder holding one of these, else the file's folder.
function! ale_linters#python#tf_lsp#ProjectRoot(buffer) abort
    for l:marker in ['pyproject.toml', 'setup.cfg', 'setup.py', 'requirements.txt']
        let l:found = ale#path#FindNearestFile(a:buffer, l:marker)

        if !empty(l:found)
            return fnamemodify(l:found, ':h')
        endif
    endfor

    let l:git = ale#path#FindNearestDirectory(a:buffer, '.git')

    if !empty(l:git)
        return fnamemodify(l:git, ':h:h')
    endif

    return fnamemodify(bufname(a:buffer), ':p:h')
endfunction

function! ale_linters#python#tf_lsp#Settings(buffer) abort
    return {'tfLsp': ale#Var(a:buffer, 'python_tf_lsp_config')}
endfunction

call ale#linter#Define('python', {
\   'name': 'tf_lsp',
\   'lsp': 'stdio',
\   'executable': {b -> ale#Var(b, 'python_tf_lsp_executable')},
\   'command': '%e serve',
\   'project_root': function('ale_linters#python#tf_lsp#ProjectRoot'),
\   'cwd': function('ale_linters#python#tf_lsp#ProjectRoot'),
\   'initialization_options': function('ale_linters#python#tf_lsp#Settings'),
\   'lsp_config': function('ale_linters#python#tf_lsp#Settings'),
\})
