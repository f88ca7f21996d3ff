;;; emacs_lsp_mode_driver.el --- drive Emacs + lsp-mode with editors/emacs/tf-lsp-lsp-mode.el unchanged  -*- lexical-binding: t; -*-
;; emacs --batch -l emacs_lsp_mode_driver.el   (cwd: the workspace).  Same steps as the eglot driver, through
;; lsp-mode's own commands: `lsp-execute-code-action' (the menu answered as a user would) and
;; `tf-lsp-select-interpreter'.  Writes what happened to $TF_LSP_RESULT as JSON.
(require 'cl-lib)
(require 'json)
(setq user-emacs-directory (file-name-as-directory (expand-file-name "emacs.d" (getenv "XDG_STATE_HOME"))))
(package-initialize)
(add-to-list 'load-path (expand-file-name "emacs" (getenv "TF_LSP_EDITORS_DIR")))
(require 'tf-lsp-lsp-mode)
;; A user's init: only this client (no pyright/pylsp here), the workspace root guessed (no prompt).
(setq lsp-enabled-clients '(tf-lsp)
      lsp-auto-guess-root t
      lsp-session-file (expand-file-name "lsp-session" user-emacs-directory)
      lsp-headerline-breadcrumb-enable nil
      lsp-restart 'ignore
      make-backup-files nil create-lockfiles nil auto-save-default nil)
(add-hook 'python-mode-hook #'lsp)

(defvar drv-steps nil)
(defvar drv-messages nil)
(defvar drv-result (make-hash-table :test 'equal))

(advice-add 'message :around
            (lambda (orig fmt &rest args)
              (when fmt (push (apply #'format-message fmt args) drv-messages))
              (apply orig fmt args)))

(defun drv-workspace ()
  (cl-find-if (lambda (ws) (eq (lsp--workspace-server-id ws) 'tf-lsp)) (ignore-errors (lsp-workspaces))))

(defun drv-wait (seconds what pred)
  "Wait for PRED as the command loop would (timers, process output); a dead server ends the wait."
  (let ((deadline (+ (float-time) seconds)) ok)
    (while (and (not (setq ok (funcall pred))) (< (float-time) deadline))
      (let ((ws (drv-workspace)))
        (when (or (and ws (memq (lsp--workspace-status ws) '(exited nil)))
                  (cl-some (lambda (m) (string-match-p "tf-lsp has exited" m)) drv-messages))
          (error "tf-lsp exited while waiting for %s" what)))
      (run-hooks 'post-command-hook)
      (accept-process-output nil 0.05))
    (unless ok (error "timed out waiting for %s" what))
    (push what drv-steps)))

(defun drv-ours ()
  (cl-remove-if-not (lambda (d) (equal (lsp-get d :source) "tf-lsp")) (lsp--get-buffer-diagnostics)))

(defun drv-tfl102 () (cl-find-if (lambda (d) (equal (lsp-get d :code) "TFL102")) (drv-ours)))

(defun drv-pick (collection prefix)
  "The entry of a completing-read COLLECTION (strings or an alist) that starts with PREFIX."
  (let ((entry (cl-find-if (lambda (c) (string-prefix-p prefix (if (consp c) (car c) c))) collection)))
    (if (consp entry) (car entry) entry)))

(defun drv-run ()
  (find-file (expand-file-name "main.py"))
  (drv-wait 10 "client attached"
            (lambda () (let ((ws (drv-workspace))) (and ws (eq (lsp--workspace-status ws) 'initialized)))))
  (drv-wait 20 "TFL102 published" #'drv-tfl102)
  (puthash "diagnostics"
           (mapcar (lambda (d)
                     (let ((start (lsp-get (lsp-get d :range) :start)))
                       `((code . ,(lsp-get d :code)) (lsp_line . ,(lsp-get start :line))
                         (character . ,(lsp-get start :character)) (severity . ,(lsp-get d :severity))
                         (message . ,(lsp-get d :message)))))
                   (drv-ours))
           drv-result)
  (let ((start (lsp-get (lsp-get (drv-tfl102) :range) :start)))
    (goto-char (point-min))
    (forward-line (lsp-get start :line))
    (forward-char (lsp-get start :character)))
  (let ((actions (append (lsp-code-actions-at-point) nil)))
    (puthash "listed" (mapcar (lambda (a) `((title . ,(lsp-get a :title)) (kind . ,(lsp-get a :kind))
                                             (command . ,(lsp-get (lsp-get a :command) :command))))
                              actions)
             drv-result)
    (push "code actions listed" drv-steps))
  ;; M-x lsp-execute-code-action, the user picking "Use good-env ..." in the menu.
  (cl-letf (((symbol-function 'completing-read)
             (lambda (_prompt collection &rest _) (drv-pick collection "Use good-env"))))
    (call-interactively #'lsp-execute-code-action))
  (drv-wait 20 "diagnostics cleared" (lambda () (null (drv-ours))))
  (drv-wait 5 "interpreterChanged notified"
            (lambda () (cl-some (lambda (m) (string-match-p "tf-lsp: now checking with .*good-env" m)) drv-messages)))
  (drv-wait 5 "tfLsp/status shows good-env"
            (lambda () (and tf-lsp-lsp-status (equal (lsp-get tf-lsp-lsp-status :envName) "good-env"))))
  ;; M-x tf-lsp-select-interpreter, the user picking .venv.
  (let (menu)
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt collection &rest _)
                 (setq menu (mapcar (lambda (c) (if (consp c) (car c) c)) collection))
                 (cl-find-if (lambda (line) (string-match-p "\\`[* ] \\.venv " line)) menu))))
      (call-interactively #'tf-lsp-select-interpreter))
    (puthash "menu" menu drv-result))
  (drv-wait 20 "TFL102 back after tf-lsp-select-interpreter" #'drv-tfl102)
  ;; M-x tf-lsp-doctor shows the server's report.
  (call-interactively #'tf-lsp-doctor)
  (drv-wait 10 "doctor report shown"
            (lambda () (let ((b (get-buffer "*tf-lsp doctor*")))
                         (when b (puthash "doctor" (with-current-buffer b (buffer-string)) drv-result))))))

(defun drv-finish (err)
  (puthash "steps" (reverse drv-steps) drv-result)
  (puthash "messages" (reverse drv-messages) drv-result)
  (when err (puthash "error" err drv-result))
  (with-temp-file (getenv "TF_LSP_RESULT") (insert (json-encode drv-result)))
  (kill-emacs (if err 3 0)))

(condition-case err
    (progn (drv-run) (drv-finish nil))
  (error (drv-finish (error-message-string err))))
