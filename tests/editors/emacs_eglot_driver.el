;;; emacs_eglot_driver.el --- drive Emacs + eglot with editors/emacs/tf-lsp-eglot.el unchanged  -*- lexical-binding: t; -*-
;; emacs --batch -l emacs_eglot_driver.el main.py   (cwd: the workspace).  Writes what happened to
;; $TF_LSP_RESULT as JSON: diagnostic -> code actions -> "Use good-env" through `eglot-code-actions' (the
;; menu answered as a user would) clears it -> `tf-lsp-select-interpreter' back to .venv brings it back.
(require 'cl-lib)
(require 'json)
(setq user-emacs-directory (file-name-as-directory (expand-file-name "emacs.d" (getenv "XDG_STATE_HOME"))))
(package-initialize)
(add-to-list 'load-path (expand-file-name "emacs" (getenv "TF_LSP_EDITORS_DIR")))
(require 'tf-lsp-eglot)
(add-hook 'python-mode-hook #'eglot-ensure)
(setq make-backup-files nil create-lockfiles nil auto-save-default nil)

(defvar drv-steps nil)
(defvar drv-messages nil)
(defvar drv-result (make-hash-table :test 'equal))

(advice-add 'message :around
            (lambda (orig fmt &rest args)
              (when fmt (push (apply #'format-message fmt args) drv-messages))
              (apply orig fmt args)))

(defun drv-server () (eglot-current-server))

(defun drv-wait (seconds what pred)
  "Wait for PRED as the command loop would (timers, process output); a dead server ends the wait."
  (let ((deadline (+ (float-time) seconds)) ok)
    (while (and (not (setq ok (funcall pred))) (< (float-time) deadline))
      (let ((server (drv-server)))
        (when (and server (not (jsonrpc-running-p server)))
          (error "tf-lsp exited while waiting for %s" what)))
      (run-hooks 'post-command-hook)       ; what the command loop runs: eglot-ensure, flymake's deferred start
      (when (bound-and-true-p flymake-mode) (flymake-start))
      (accept-process-output nil 0.05))
    (unless ok (error "timed out waiting for %s" what))
    (push what drv-steps)))

(defun drv-ours ()
  "The buffer's Flymake diagnostics that came from tf-lsp, as LSP diagnostics (plists)."
  (cl-loop for d in (flymake-diagnostics)
           for lsp = (cdr (assoc 'eglot-lsp-diag (eglot--diag-data d)))
           when (and lsp (equal (plist-get lsp :source) "tf-lsp"))
           collect (list d lsp)))

(defun drv-tfl102 () (cl-find-if (lambda (x) (equal (plist-get (cadr x) :code) "TFL102")) (drv-ours)))

(defun drv-run ()
  (find-file (expand-file-name "main.py"))
  (drv-wait 10 "client attached" (lambda () (and (drv-server) (eglot-managed-p))))
  (drv-wait 20 "TFL102 published" #'drv-tfl102)
  (let* ((found (drv-tfl102))
         (diag (car found))
         (lsp (cadr found))
         (start (plist-get (plist-get lsp :range) :start)))
    (puthash "diagnostics"
             (mapcar (lambda (x)
                       (let ((d (car x)) (l (cadr x)))
                         `((line . ,(line-number-at-pos (flymake-diagnostic-beg d)))
                           (text . ,(buffer-substring-no-properties (flymake-diagnostic-beg d) (flymake-diagnostic-end d)))
                           (code . ,(plist-get l :code)) (lsp_line . ,(plist-get start :line))
                           (type . ,(symbol-name (flymake-diagnostic-type d)))
                           (message . ,(flymake-diagnostic-text d)))))
                     (drv-ours))
             drv-result)
    (goto-char (flymake-diagnostic-beg diag))
    (let* ((beg (flymake-diagnostic-beg diag)) (end (flymake-diagnostic-end diag))
           (actions (eglot-code-actions beg end nil nil))
           (pick (cl-find-if (lambda (a) (string-prefix-p "Use good-env" (plist-get a :title))) actions)))
      (puthash "listed" (mapcar (lambda (a) `((title . ,(plist-get a :title)) (kind . ,(plist-get a :kind))
                                               (command . ,(plist-get (plist-get a :command) :command))))
                                actions)
               drv-result)
      (push "code actions listed" drv-steps)
      (unless pick (error "no \"Use good-env\" action among %S" (mapcar (lambda (a) (plist-get a :title)) actions)))
      ;; M-x eglot-code-actions from the keyboard, the user picking "Use good-env ..." in the menu.
      (let ((last-nonmenu-event 13))
        (cl-letf (((symbol-function 'completing-read)
                   (lambda (_prompt collection &rest _) (car (assoc (plist-get pick :title) collection)))))
          (eglot-code-actions beg end nil t)))))
  (drv-wait 20 "diagnostics cleared" (lambda () (null (drv-ours))))
  (drv-wait 5 "interpreterChanged notified"
            (lambda () (cl-some (lambda (m) (string-match-p "tf-lsp: now checking with .*good-env" m)) drv-messages)))
  (drv-wait 5 "tfLsp/status shows good-env"
            (lambda () (equal (plist-get tf-lsp-eglot-status :envName) "good-env")))
  ;; M-x tf-lsp-select-interpreter, the user picking .venv.
  (let (menu)
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt collection &rest _)
                 (setq menu (mapcar #'car collection))
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
