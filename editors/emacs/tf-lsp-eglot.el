;;; tf-lsp-eglot.el --- tf-lsp (will `import tensorflow' work?) under eglot  -*- lexical-binding: t; -*-

;; Requires: Emacs 28+ and eglot 1.9+ (built into Emacs 29; `apt install elpa-eglot' or M-x package-install
;; RET eglot on Emacs 28).

;;; Commentary:

;; Put this folder on `load-path' and turn eglot on for Python:
;;
;;   (add-to-list 'load-path "/path/to/tf-lsp/editors/emacs")
;;   (require 'tf-lsp-eglot)
;;   (add-hook 'python-mode-hook #'eglot-ensure)       ; and python-ts-mode-hook on Emacs 29+
;;
;; The server is `tf-lsp serve' from $PATH (customize `tf-lsp-eglot-command' otherwise).  Settings are the
;; "tfLsp" section, a plist in `tf-lsp-eglot-settings' (every key optional):
;;
;;   (setq tf-lsp-eglot-settings '(:interpreter "~/envs/tf/bin/python" :severity (:TFL114 "none")))
;;
;; or per project in .dir-locals.el, which eglot answers workspace/configuration from:
;;
;;   ((nil . ((eglot-workspace-configuration . (:tfLsp (:interpreter ".venv-gpu/bin/python"))))))
;;
;; Diagnostics come through Flymake ("tf-lsp [TFL102]: ...").  Their fixes are code actions: M-x
;; eglot-code-actions (or `eglot-code-action-quickfix') on the line.  Fixes that run something (use another
;; interpreter, pip install ...) are server commands that eglot sends as workspace/executeCommand.
;; M-x tf-lsp-select-interpreter picks the interpreter among the environments the server found;
;; M-x tf-lsp-doctor shows the server's report.
;;
;; Eglot runs one server per buffer: with this file loaded, tf-lsp is the server for Python buffers (it is put
;; first in `eglot-server-programs').  To run it beside pyright or pylsp, use lsp-mode (tf-lsp-lsp-mode.el).

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'jsonrpc)

(defgroup tf-lsp-eglot nil
  "The tf-lsp language server under eglot."
  :group 'eglot
  :prefix "tf-lsp-eglot-")

(defcustom tf-lsp-eglot-command '("tf-lsp" "serve")
  "The command that starts the tf-lsp language server over stdio."
  :type '(repeat string))

(defcustom tf-lsp-eglot-settings nil
  "The \"tfLsp\" settings as a plist.
Keys: :interpreter, :extraPaths, :env, :installer, :checkAllImports,
:severity, :trustedWorkspace.  Sent as initializationOptions;
`eglot-workspace-configuration' (e.g. in .dir-locals.el) overrides it
per project."
  :type '(plist :key-type symbol :value-type sexp))

(defvar tf-lsp-eglot-status nil
  "The last tfLsp/status the server sent.
A plist with :uri :python :envName :pythonVersion :tfVersion :broken.")

(defclass tf-lsp-eglot-server (eglot-lsp-server) ()
  :documentation "The tf-lsp language server.")

(defun tf-lsp-eglot--contact (_interactive)
  "Eglot contact for tf-lsp, read from `tf-lsp-eglot-command' when a server starts."
  (cons 'tf-lsp-eglot-server tf-lsp-eglot-command))

(add-to-list 'eglot-server-programs '((python-mode python-ts-mode) . tf-lsp-eglot--contact))

(cl-defmethod eglot-initialization-options ((_server tf-lsp-eglot-server))
  (list :tfLsp (or tf-lsp-eglot-settings (make-hash-table))))

(cl-defmethod eglot-handle-notification
  ((_server tf-lsp-eglot-server) (_method (eql 'tfLsp/interpreterChanged)) &key python why &allow-other-keys)
  "Tell the user the server switched interpreters.
By a \"Use <env>\" fix, `tf-lsp-select-interpreter', a new .venv ..."
  (message "tf-lsp: now checking with %s (%s)" python why))

(cl-defmethod eglot-handle-notification
  ((_server tf-lsp-eglot-server) (_method (eql 'tfLsp/status)) &rest status &allow-other-keys)
  "Keep the environment the workspace is checked against.
In `tf-lsp-eglot-status'."
  (setq tf-lsp-eglot-status status))

(defun tf-lsp-eglot--server ()
  (let ((server (eglot-current-server)))
    (unless (cl-typep server 'tf-lsp-eglot-server)
      (user-error "tf-lsp is not running for this buffer (M-x eglot)"))
    server))

(defun tf-lsp-eglot--uri ()
  (let ((path (or buffer-file-name default-directory)))
    (if (fboundp 'eglot-path-to-uri) (funcall 'eglot-path-to-uri path) (eglot--path-to-uri path))))

(defun tf-lsp-eglot--execute (command argument)
  "Run the server's COMMAND with one ARGUMENT object; return its result."
  (jsonrpc-request (tf-lsp-eglot--server) :workspace/executeCommand
                   (list :command command :arguments (vector argument))))

(defun tf-lsp-eglot--describe (env)
  (format "%s%s  (%s%s, Python %s)  %s"
          (if (eq (plist-get env :selected) t) "* " "  ")
          (plist-get env :name)
          (if (eq (plist-get env :in_workspace) t) "workspace " "")
          (plist-get env :kind) (plist-get env :python)
          (or (plist-get env :python_path) (plist-get env :path))))

(defun tf-lsp-select-interpreter ()
  "Pick the interpreter tf-lsp checks this workspace against.
The menu lists the environments the server found."
  (interactive)
  (let* ((uri (tf-lsp-eglot--uri))
         (envs (append (tf-lsp-eglot--execute "tfLsp.listEnvironments" (list :uri uri)) nil))
         (menu (mapcar (lambda (env) (cons (tf-lsp-eglot--describe env) env)) envs))
         (env (cdr (assoc (completing-read "Python interpreter for tf-lsp: " menu nil t) menu))))
    (when env
      (tf-lsp-eglot--execute "tfLsp.selectInterpreter"
                             (list :python (or (plist-get env :python_path) (plist-get env :path)) :uri uri)))))

(defun tf-lsp-doctor ()
  "Show tf-lsp's report on the interpreter, its environment and TensorFlow."
  (interactive)
  (let ((report (tf-lsp-eglot--execute "tfLsp.doctor" (list :uri (tf-lsp-eglot--uri)))))
    (with-current-buffer (get-buffer-create "*tf-lsp doctor*")
      (let ((inhibit-read-only t))
        (erase-buffer)
        (insert (or (plist-get report :text) (format "%S" report))))
      (special-mode)
      (display-buffer (current-buffer)))))

(provide 'tf-lsp-eglot)
;;; tf-lsp-eglot.el ends here
