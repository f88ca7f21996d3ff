;;; tf-lsp-lsp-mode.el --- tf-lsp (will `import tensorflow' work?) under lsp-mode  -*- lexical-binding: t; -*-

;; Requires: Emacs 27.1+ and lsp-mode 8.0+ (`apt install elpa-lsp-mode' or M-x package-install RET lsp-mode).

;;; Commentary:

;; Put this folder on `load-path' and start lsp-mode for Python:
;;
;;   (add-to-list 'load-path "/path/to/tf-lsp/editors/emacs")
;;   (require 'tf-lsp-lsp-mode)
;;   (add-hook 'python-mode-hook #'lsp-deferred)
;;
;; tf-lsp is registered as an add-on client (server id `tf-lsp'): it runs beside your usual Python server
;; (pyright, pylsp, ...), which keeps completion and hover.  The server is `tf-lsp serve' from $PATH
;; (customize `tf-lsp-lsp-command' otherwise).  Settings are the `tf-lsp-lsp-*' options (M-x customize-group
;; RET tf-lsp-lsp), sent as the "tfLsp" section, e.g.
;;
;;   (setq tf-lsp-lsp-interpreter "~/envs/tf/bin/python"
;;         tf-lsp-lsp-severity '(("TFL114" . "none")))
;;
;; Diagnostics show through Flycheck or Flymake ("TFL102" ...); their fixes are code actions
;; (M-x lsp-execute-code-action, `s-l a a').  Fixes that run something (use another interpreter, pip install
;; ...) are sent to tf-lsp as workspace/executeCommand.  M-x tf-lsp-select-interpreter picks the interpreter
;; among the environments the server found; M-x tf-lsp-doctor shows the server's report.  (The same commands
;; exist in tf-lsp-eglot.el: load one of the two files.)

;;; Code:

(require 'cl-lib)
(require 'ht)
(require 'lsp-mode)

(defgroup tf-lsp-lsp nil
  "The tf-lsp language server under lsp-mode."
  :group 'lsp-mode
  :prefix "tf-lsp-lsp-")

(defcustom tf-lsp-lsp-command '("tf-lsp" "serve")
  "The command that starts the tf-lsp language server over stdio."
  :type '(repeat string))

(defcustom tf-lsp-lsp-interpreter ""
  "tfLsp.interpreter: the Python (or environment folder) to check against.
Empty: discover it."
  :type 'string)

(defcustom tf-lsp-lsp-extra-paths []
  "tfLsp.extraPaths: extra folders put on sys.path, as PYTHONPATH would."
  :type 'lsp-repeatable-vector)

(defcustom tf-lsp-lsp-env nil
  "tfLsp.env: environment variables the program runs with.
An alist such as ((\"TF_USE_LEGACY_KERAS\" . \"1\"))."
  :type '(alist :key-type string :value-type string))

(defcustom tf-lsp-lsp-installer "auto"
  "tfLsp.installer: which tool runs the install/uninstall fixes."
  :type '(choice (const "auto") (const "pip") (const "uv") (const "conda") (const "poetry") (const "pipenv")))

(defcustom tf-lsp-lsp-check-all-imports t
  "tfLsp.checkAllImports: check every import (t) or only TensorFlow's family."
  :type 'boolean)

(defcustom tf-lsp-lsp-severity nil
  "tfLsp.severity: per-code severity, an alist ((\"TFL114\" . \"none\")).
Values: error, warning, information, hint, none."
  :type '(alist :key-type string :value-type string))

(defcustom tf-lsp-lsp-trusted-workspace t
  "tfLsp.trustedWorkspace: nil never runs an interpreter inside the workspace.
Static analysis only, then."
  :type 'boolean)

(defvar tf-lsp-lsp-status nil
  "The last tfLsp/status the server sent.
With uri, python, envName, pythonVersion, tfVersion, broken.")

(defun tf-lsp-lsp--object (alist)
  "ALIST as a JSON object, or nil (left out) when empty."
  (when alist
    (let ((table (ht-create)))
      (dolist (pair alist table)
        (ht-set! table (format "%s" (car pair)) (format "%s" (cdr pair)))))))

(defun tf-lsp-lsp--env () (tf-lsp-lsp--object tf-lsp-lsp-env))
(defun tf-lsp-lsp--severity () (tf-lsp-lsp--object tf-lsp-lsp-severity))

(lsp-register-custom-settings
 '(("tfLsp.interpreter" tf-lsp-lsp-interpreter)
   ("tfLsp.extraPaths" tf-lsp-lsp-extra-paths)
   ("tfLsp.env" tf-lsp-lsp--env)
   ("tfLsp.installer" tf-lsp-lsp-installer)
   ("tfLsp.checkAllImports" tf-lsp-lsp-check-all-imports t)
   ("tfLsp.severity" tf-lsp-lsp--severity)
   ("tfLsp.trustedWorkspace" tf-lsp-lsp-trusted-workspace t)))

(defun tf-lsp-lsp--workspace ()
  "The tf-lsp workspace serving this buffer."
  (or (cl-find-if (lambda (ws) (eq (lsp--workspace-server-id ws) 'tf-lsp)) (lsp-workspaces))
      (user-error "tf-lsp is not running for this buffer (M-x lsp)")))

(defun tf-lsp-lsp--execute (command arguments)
  "Send COMMAND with ARGUMENTS (a vector) to tf-lsp only.
Not to the other servers of the buffer."
  (with-lsp-workspace (tf-lsp-lsp--workspace)
    (lsp-request "workspace/executeCommand" (list :command command :arguments arguments))))

(defun tf-lsp-lsp--run-action (action)
  "Code actions whose command is tf-lsp's: run it on tf-lsp."
  (tf-lsp-lsp--execute (lsp-get action :command) (lsp-get action :arguments)))

(defun tf-lsp-lsp--interpreter-changed (_workspace params)
  (message "tf-lsp: now checking with %s (%s)" (lsp-get params :python) (lsp-get params :why)))

(defun tf-lsp-lsp--status (_workspace params)
  (setq tf-lsp-lsp-status params))

(lsp-register-client
 (make-lsp-client
  :new-connection (lsp-stdio-connection (lambda () tf-lsp-lsp-command))
  :activation-fn (lsp-activate-on "python")
  :server-id 'tf-lsp
  :add-on? t
  :priority -2
  :initialized-fn (lambda (workspace)
                    (with-lsp-workspace workspace
                      (lsp--set-configuration (lsp-configuration-section "tfLsp"))))
  :notification-handlers (ht ("tfLsp/interpreterChanged" #'tf-lsp-lsp--interpreter-changed)
                             ("tfLsp/status" #'tf-lsp-lsp--status))
  :action-handlers (let ((table (ht-create)))
                     (dolist (command '("tfLsp.useInterpreter" "tfLsp.selectInterpreter" "tfLsp.install"
                                        "tfLsp.uninstall" "tfLsp.reinstall" "tfLsp.pin" "tfLsp.fixAll")
                                      table)
                       (ht-set! table command #'tf-lsp-lsp--run-action)))))

(defun tf-lsp-lsp--describe (env)
  (format "%s%s  (%s%s, Python %s)  %s"
          (if (eq (lsp-get env :selected) t) "* " "  ")
          (lsp-get env :name)
          (if (eq (lsp-get env :in_workspace) t) "workspace " "")
          (lsp-get env :kind) (lsp-get env :python)
          (or (lsp-get env :python_path) (lsp-get env :path))))

(defun tf-lsp-select-interpreter ()
  "Pick the interpreter tf-lsp checks this workspace against.
The menu lists the environments the server found."
  (interactive)
  (let* ((uri (lsp--buffer-uri))
         (envs (append (tf-lsp-lsp--execute "tfLsp.listEnvironments" (vector (list :uri uri))) nil))
         (menu (mapcar (lambda (env) (cons (tf-lsp-lsp--describe env) env)) envs))
         (env (cdr (assoc (completing-read "Python interpreter for tf-lsp: " menu nil t) menu))))
    (when env
      (tf-lsp-lsp--execute "tfLsp.selectInterpreter"
                           (vector (list :python (or (lsp-get env :python_path) (lsp-get env :path)) :uri uri))))))

(defun tf-lsp-doctor ()
  "Show tf-lsp's report on the interpreter, its environment and TensorFlow."
  (interactive)
  (let ((report (tf-lsp-lsp--execute "tfLsp.doctor" (vector (list :uri (lsp--buffer-uri))))))
    (with-current-buffer (get-buffer-create "*tf-lsp doctor*")
      (let ((inhibit-read-only t))
        (erase-buffer)
        (insert (or (lsp-get report :text) (format "%S" report))))
      (special-mode)
      (display-buffer (current-buffer)))))

(provide 'tf-lsp-lsp-mode)
;;; tf-lsp-lsp-mode.el ends here
