;;; anvillm-test.el --- The Emacs mode against a real daemon -*- lexical-binding: t; -*-

;;; Commentary:

;; Run by EmacsModeTest (emacs/src/test/java) with a daemon of its own:
;; NAMESPACE and HOME point at its name space, ANVILLM_TEST_PROJECT is a
;; directory for sessions, ANVILLM_TEST_9P runs the project's 9p command (to
;; act behind the buffer's back) and ANVILLM_TEST_ANVILSRV runs anvilsrv (to
;; start the daemon again).  The backend `quick' is the test agent answering
;; in 50 ms.  Every wait is on a condition, with a deadline.

;;; Code:

(require 'ert)
(require 'anvillm)

(defconst anvillm-test--deadline 30 "Seconds any condition may take.")

(defun anvillm-test--await (what pred)
  "Wait until PRED holds; fail saying WHAT at the deadline."
  (let ((end (+ (float-time) anvillm-test--deadline)))
    (while (not (funcall pred))
      (when (> (float-time) end)
        (ert-fail (format "never saw %s within %d s; table: %S; problem: %S" what
                          anvillm-test--deadline (anvillm-test--rows) anvillm--problem)))
      (accept-process-output nil 0.02))))

(defvar anvillm-test--said nil "What the mode said in the echo area, latest first.")
(advice-add 'anvillm--say :filter-return
            (lambda (line) (push line anvillm-test--said) line)
            '((name . anvillm-test)))

(defun anvillm-test--await-said (regexp)
  "Wait until the mode says a line matching REGEXP."
  (anvillm-test--await (format "a line matching %S in %S" regexp (seq-take anvillm-test--said 5))
                       (lambda () (seq-find (lambda (l) (string-match-p regexp l)) anvillm-test--said))))

(defun anvillm-test--command (var &rest args)
  "Run the command in environment variable VAR with ARGS; return its output."
  (let ((argv (append (split-string-and-unquote (getenv var)) args)))
    (with-temp-buffer
      (let ((status (apply #'call-process (car argv) nil t nil (cdr argv))))
        (unless (eq status 0)
          (ert-fail (format "%S exited %s: %s" argv status (buffer-string))))
        (buffer-string)))))

(defun anvillm-test--9p-write (path text)
  "Write TEXT to agent/PATH through the project's 9p command; return what rdwr read."
  (let ((argv (append (split-string-and-unquote (getenv "ANVILLM_TEST_9P")) (list "rdwr" (concat "agent/" path)))))
    (with-temp-buffer
      (insert text)
      (let ((status (apply #'call-process-region (point-min) (point-max) (car argv) t t nil (cdr argv))))
        (unless (eq status 0) (ert-fail (format "%S exited %s: %s" argv status (buffer-string))))
        (string-trim (buffer-string))))))

(defun anvillm-test--rows ()
  "The rows of the *AnviLLM* buffer as shown: (ID . [columns])."
  (let ((buf (get-buffer anvillm-buffer-name)))
    (and buf (with-current-buffer buf
               (mapcar (lambda (e) (cons (car e) (cadr e))) tabulated-list-entries)))))

(defun anvillm-test--row (id)
  "The columns of session ID as shown, or nil."
  (cdr (assoc id (anvillm-test--rows))))

(defun anvillm-test--state (id)
  "The state column of ID as shown."
  (let ((r (anvillm-test--row id))) (and r (substring-no-properties (aref r 3)))))

(defun anvillm-test--await-state (id state)
  "Wait until the buffer shows session ID in STATE."
  (anvillm-test--await (format "%s %s" id state)
                       (lambda () (equal (anvillm-test--state id) state))))

(defun anvillm-test--read (path)
  "Read agent/PATH now over the mode's connection."
  (let ((conn (anvillm--connection)))
    (anvillm-9p-sync (lambda (cb) (anvillm-9p-read conn path cb)) 10 conn)))

(defun anvillm-test--prompt (id text)
  "Send TEXT to session ID over the mode's connection."
  (let ((conn (anvillm--connection)))
    (anvillm-9p-sync (lambda (cb) (anvillm-9p-write conn (concat id "/in") text cb)) 10 conn)))

(defun anvillm-test--new (&optional alias)
  "A new `quick' session (with ALIAS), made over the mode's connection; its id once idle."
  (let* ((conn (anvillm--connection))
         (id (string-trim
              (anvillm-9p-sync
               (lambda (cb)
                 (anvillm-9p-write conn "ctl"
                                   (format "new quick %s%s\n"
                                           (anvillm-9p-quote (getenv "ANVILLM_TEST_PROJECT"))
                                           (if alias (concat " alias=" alias) ""))
                                   cb t))
               10 conn))))
    (anvillm-test--await-state id "idle")
    id))

(defun anvillm-test--at (id)
  "Put point on the row of ID in the *AnviLLM* buffer, and select it (keys go there)."
  (pop-to-buffer-same-window anvillm-buffer-name)
  (anvillm--goto-id id)
  (should (equal (tabulated-list-get-id) id)))

(defun anvillm-test--open ()
  "Kill the sessions earlier tests left, open the mode and wait until it follows the daemon."
  (setq anvillm-test--said nil)
  (let ((conn (anvillm--connection)))
    (dolist (s (anvillm-parse-list (anvillm-test--read "list")))
      (anvillm-9p-sync (lambda (cb) (anvillm-9p-write conn (concat (aref s 0) "/ctl") "kill\n" cb)) 30 conn)))
  (anvillm)
  (anvillm-test--await "the events stream" (lambda () (and anvillm--events (not anvillm--problem))))
  (anvillm-test--await "an empty table" (lambda () (null (anvillm-test--rows)))))

(ert-deftest anvillm-a-no-plan9port-on-the-path ()
  (should-not (executable-find "9p"))
  (should (getenv "NAMESPACE")))

(ert-deftest anvillm-b-sessions-made-behind-its-back-appear-and-go ()
  (anvillm-test--open)
  (let ((id (anvillm-test--9p-write "ctl" (format "new quick %s alias=behind\n"
                                                  (anvillm-9p-quote (getenv "ANVILLM_TEST_PROJECT"))))))
    (should (string-match-p "\\`[0-9a-f]\\{8\\}\\'" id))
    (anvillm-test--await-state id "idle")
    (let ((row (anvillm-test--row id)))
      (should (equal (aref row 1) "behind"))
      (should (equal (aref row 2) "quick"))
      (should (equal (aref row 7) (getenv "ANVILLM_TEST_PROJECT")))
      (should (> (string-to-number (aref row 4)) 0))
      (should (eq (get-text-property 0 'face (aref row 3)) 'anvillm-idle)))
    ;; what its process tree uses, from agent/stats (read every 3 s while the table shows)
    (anvillm-test--await "its CPU and memory"
                         (lambda () (let ((r (anvillm-test--row id)))
                                      (and r (string-match-p "\\`[0-9]+\\(?:\\.[0-9]\\)?\\'" (aref r 5))
                                           (string-match-p "\\`[0-9.]+[KMG]\\'" (aref r 6))))))
    (with-current-buffer anvillm-buffer-name
      (save-excursion
        (anvillm--goto-id id)
        (should (string-match-p (format " %s +[0-9]+ +[0-9.]+ +[0-9.]+[KMG] %s$"
                                        (regexp-quote "idle") (regexp-quote (getenv "ANVILLM_TEST_PROJECT")))
                                (buffer-substring-no-properties (line-beginning-position) (line-end-position))))))
    (anvillm-test--9p-write (concat id "/ctl") "kill\n")
    (anvillm-test--await (concat id " gone") (lambda () (null (anvillm-test--row id))))))

(ert-deftest anvillm-c-keys-act-on-the-session-at-point-by-id ()
  (anvillm-test--open)
  (let* ((one (anvillm-test--new))
         (two (anvillm-test--new))
         (three (anvillm-test--new)))
    ;; t stop, S start: the one at point only, wherever the others are
    (anvillm-test--at two)
    (execute-kbd-macro "t")
    (anvillm-test--await-state two "stopped")
    (should (equal (anvillm-test--state one) "idle"))
    (should (equal (anvillm-test--state three) "idle"))
    (should (equal (tabulated-list-get-id) two)) ; the cursor stays on its session
    (execute-kbd-macro "S")
    (anvillm-test--await-state two "idle")
    ;; R restart: a new process
    (let ((pid (aref (anvillm-test--row two) 4)))
      (execute-kbd-macro "R")
      (anvillm-test--await "a new pid" (lambda () (and (equal (anvillm-test--state two) "idle")
                                                       (not (equal (aref (anvillm-test--row two) 4) pid)))))
      (should (equal (string-trim (anvillm-test--read (concat two "/pid")))
                     (aref (anvillm-test--row two) 4))))
    ;; a alias
    (cl-letf (((symbol-function 'read-string) (lambda (&rest _) " renamed ")))
      (anvillm-test--at three)
      (execute-kbd-macro "a"))
    (anvillm-test--await "the alias" (lambda () (equal (aref (anvillm-test--row three) 1) "renamed")))
    (should (equal (aref (anvillm-test--row one) 1) "-"))
    ;; A attach: the terminal runs the session's tmux attach
    (let* ((argv nil)
           (anvillm-terminal-command (lambda (a) (setq argv a))))
      (anvillm-test--at one)
      (execute-kbd-macro "A")
      (anvillm-test--await "the attach command" (lambda () argv))
      (should (equal (car argv) "tmux"))
      (should (equal (car (last argv)) (concat "=" one))))
    ;; i interrupt: the session stays
    (anvillm-test--at one)
    (execute-kbd-macro "i")
    (anvillm-test--await-said (format "interrupt %s: done" one))
    ;; c context: the whole buffer saved
    (anvillm-test--at three)
    (execute-kbd-macro "c")
    (anvillm-test--await "the context buffer" (lambda () (get-buffer "*anvillm context: renamed*")))
    (with-current-buffer "*anvillm context: renamed*"
      (insert "Always answer in French.\nÇa va ✓\n")
      (anvillm-edit-send))
    (anvillm-test--await "the context saved"
                         (lambda () (equal (anvillm-test--read (concat three "/context"))
                                           "Always answer in French.\nÇa va ✓\n")))
    (should (equal (anvillm-test--read (concat one "/context")) ""))
    ;; K kill, confirmed: that one goes, the others stay
    (anvillm-test--at two)
    (cl-letf (((symbol-function 'yes-or-no-p) (lambda (&rest _) nil)))
      (execute-kbd-macro "K"))
    (cl-letf (((symbol-function 'yes-or-no-p) (lambda (&rest _) t)))
      (execute-kbd-macro "K"))
    (anvillm-test--await (concat two " gone") (lambda () (null (anvillm-test--row two))))
    (should (anvillm-test--row one))
    (should (anvillm-test--row three))
    ;; s new: a backend, then a directory; ~ works
    (cl-letf (((symbol-function 'completing-read) (lambda (&rest _) "quick"))
              ((symbol-function 'read-directory-name) (lambda (&rest _) "~/")))
      (execute-kbd-macro "s"))
    (anvillm-test--await "the new session at point"
                         (lambda () (let ((r (anvillm-test--row (with-current-buffer anvillm-buffer-name
                                                                  (tabulated-list-get-id)))))
                                      (and r (equal (aref r 7) (directory-file-name (expand-file-name "~")))
                                           (not (member (tabulated-list-get-id) (list one three)))))))
    ;; d daemon status
    (execute-kbd-macro "d")
    (anvillm-test--await-said "\\`anvillm: anvilsrv running: pid [0-9]+")
    ;; a daemon error is its one line in the echo area
    (anvillm-test--at one)
    (cl-letf (((symbol-function 'read-string) (lambda (&rest _) "renamed")))
      (execute-kbd-macro "a"))
    (anvillm-test--await-said "\\`anvillm: alias \"renamed\" is taken by session [0-9a-f]+\\'")
    (should (equal (aref (anvillm-test--row one) 1) "-"))
    ;; r g refresh, ? help, q quit
    (setq anvillm-test--said nil)
    (anvillm-test--at one)
    (execute-kbd-macro "r")
    (anvillm-test--await-said "\\`anvillm: refreshed\\'")
    (execute-kbd-macro "g")
    (should (equal (length (seq-filter (lambda (l) (equal l "anvillm: refreshed")) anvillm-test--said)) 2))
    (execute-kbd-macro "?")
    (should (string-match-p "anvillm-prompt-minibuffer" (with-current-buffer "*Help*" (buffer-string))))
    (anvillm-test--at one)
    (execute-kbd-macro "q")
    (should-not (eq (window-buffer (selected-window)) (get-buffer anvillm-buffer-name)))))

(ert-deftest anvillm-d-a-prompt-and-its-reply ()
  (anvillm-test--open)
  (let* ((id (anvillm-test--new "talk"))
         ;; larger than a message: many Twrites, still one prompt
         (text (concat "first line ✓ héllo\n" (make-string 100000 ?x) "\nlast line\n"))
         (bytes (length (encode-coding-string text 'utf-8))))
    (anvillm-test--at id)
    (execute-kbd-macro "p")
    (with-current-buffer "*anvillm prompt: talk*"
      (insert text)
      (anvillm-edit-send))
    (should-not (get-buffer "*anvillm prompt: talk*"))
    (anvillm-test--await-said "\\`anvillm: prompt sent to talk\\'")
    (anvillm-test--at id)
    (execute-kbd-macro "o")
    (anvillm-test--await "the reply" (lambda () (get-buffer "*anvillm reply: talk*")))
    (with-current-buffer "*anvillm reply: talk*"
      (should (string-match-p (format "echo: first line ✓ héllo \\[%d bytes, 3 lines, sha256 [0-9a-f]\\{12\\}, turn 1\\]"
                                      bytes)
                              (buffer-string))))
    ;; l: the log, then follows like tail -f
    (execute-kbd-macro "l")
    (anvillm-test--await "the log" (lambda () (with-current-buffer "*anvillm log: talk*"
                                                (string-match-p "ASSISTANT:" (buffer-string)))))
    (set-buffer anvillm-buffer-name)
    (cl-letf (((symbol-function 'read-string) (lambda (&rest _) "second question")))
      (anvillm-test--at id)
      (execute-kbd-macro "P"))
    (anvillm-test--await "the second turn in the log"
                         (lambda () (with-current-buffer "*anvillm log: talk*"
                                      (string-match-p "echo: second question .*turn 2" (buffer-string)))))
    (kill-buffer "*anvillm log: talk*")
    ;; C-c C-k sends nothing
    (anvillm-test--at id)
    (execute-kbd-macro "p")
    (with-current-buffer "*anvillm prompt: talk*"
      (insert "never sent")
      (anvillm-edit-abort))
    (should (equal (string-trim (anvillm-test--read (concat id "/state"))) "idle"))
    (should-not (string-match-p "never sent" (anvillm-test--read (concat id "/out"))))))

(ert-deftest anvillm-e-a-blocked-read-is-flushed-and-stalls-nothing ()
  (anvillm-test--open)
  (let* ((id (anvillm-test--new))
         (conn (anvillm--connection))
         (anvillm-9p-timeout 0.5))
    (anvillm-9p-sync (lambda (cb) (anvillm-9p-write conn (concat id "/in") "/sleep 20000" cb)) 10 conn)
    (anvillm-test--await-state id "running")
    (let ((err nil))
      ;; reply blocks while the turn runs: the other reads go on meanwhile
      (anvillm-9p-read conn (concat id "/reply") (lambda (e _) (setq err e)) 0.5)
      (dotimes (_ 20) (should (anvillm-test--read "list")))
      (anvillm-test--await "the timeout" (lambda () err))
      (should (string-match-p "no answer within" err)))
    (anvillm-test--await "the flushed tag released"
                         (lambda () (<= (hash-table-count (anvillm-9p-conn-pending conn)) 1)))
    (should (anvillm-test--read (concat id "/state")))
    ;; UTF-8 split across reads of a small msize comes back whole
    (let* ((anvillm-9p-msize 512)
           (small (anvillm-9p-connect))
           (text (apply #'concat (make-list 300 "é✓日"))))
      (anvillm-9p-sync (lambda (cb) (anvillm-9p-write small (concat id "/context") text cb)) 10 small)
      (should (equal (anvillm-9p-sync (lambda (cb) (anvillm-9p-read small (concat id "/context") cb)) 10 small)
                     text))
      (anvillm-9p-close small))))

(defun anvillm-test--log-has (name regexp)
  "Non-nil when the log buffer of NAME shows a line matching REGEXP."
  (with-current-buffer (format "*anvillm log: %s*" name)
    (string-match-p regexp (buffer-string))))

(ert-deftest anvillm-f-the-daemon-restarts-under-the-open-buffer ()
  (anvillm-test--open)
  (let* ((id (anvillm-test--new "survivor"))
         (pidfile (expand-file-name "anvilsrv.pid" (getenv "NAMESPACE")))
         (pid (string-to-number (with-temp-buffer (insert-file-contents pidfile) (buffer-string)))))
    ;; a log buffer open through it all
    (anvillm-test--prompt id "before the restart")
    (anvillm-test--at id)
    (execute-kbd-macro "l")
    (anvillm-test--await "the first turn in the log"
                         (lambda () (anvillm-test--log-has "survivor" "echo: before the restart .*turn 1")))
    (signal-process pid 'SIGKILL)
    (anvillm-test--await "the buffer saying the daemon is gone"
                         (lambda () (with-current-buffer anvillm-buffer-name
                                      (equal mode-line-process " [daemon not answering]"))))
    (should (anvillm-test--row id)) ; the rows stay
    (anvillm-test--command "ANVILLM_TEST_ANVILSRV" "start")
    (anvillm-test--await "the buffer back" (lambda () (with-current-buffer anvillm-buffer-name
                                                        (and (equal mode-line-process "") anvillm--events))))
    (anvillm-test--await-state id "idle")
    ;; the log said so, then follows on from where it stood
    (anvillm-test--await "the log following again"
                         (lambda () (anvillm-test--log-has
                                     "survivor" "^-- daemon not answering.*; following again once it answers\n\\(.*\n\\)*-- the daemon answers again; following$")))
    (anvillm-test--prompt id "after the restart")
    (anvillm-test--await "the second turn in the log"
                         (lambda () (anvillm-test--log-has "survivor" "echo: after the restart .*turn 2")))
    (with-current-buffer "*anvillm log: survivor*"
      (should (= 1 (how-many "^USER: before the restart$" (point-min) (point-max)))))
    (kill-buffer "*anvillm log: survivor*")
    ;; live again: a change made now shows
    (anvillm-test--9p-write (concat id "/ctl") "stop\n")
    (anvillm-test--await-state id "stopped")))

(ert-deftest anvillm-g-attach-in-a-term-buffer-shows-the-session-and-takes-keys ()
  (anvillm-test--open)
  (let* ((id (anvillm-test--new "shown"))
         (anvillm-terminal-command #'anvillm-attach-in-emacs)
         (name (format "*anvillm attach: %s*" id)))
    (anvillm-test--at id)
    (execute-kbd-macro "A")
    (anvillm-test--await "the terminal" (lambda () (get-buffer name)))
    (let* ((buf (get-buffer name))
           (proc (get-buffer-process buf)))
      (let ((argv (anvillm-attach-command (anvillm-parse-info (anvillm-test--read (concat id "/info"))))))
        ;; term runs it through sh, which sets the terminal up and then execs it
        (should (equal (last (process-command proc) (length argv)) argv)))
      (anvillm-test--await "the session's screen in it"
                           (lambda () (with-current-buffer buf
                                        (string-match-p "anvillm-testagent .*\n\\(.*\n\\)*> " (buffer-string)))))
      ;; keys typed in the buffer reach the agent: a turn, its answer on the screen
      (with-current-buffer buf (term-send-raw-string "typed in the terminal\r"))
      (anvillm-test--await "the answer in the terminal"
                           (lambda () (with-current-buffer buf
                                        (string-match-p "echo: typed in the terminal" (buffer-string)))))
      (anvillm-test--await "the answer on the session's own screen"
                           (lambda () (string-match-p "echo: typed in the terminal"
                                                      (anvillm-test--read (concat id "/screen")))))
      ;; closing the terminal leaves the session running
      (kill-buffer buf)
      (anvillm-test--await "the terminal gone" (lambda () (not (process-live-p proc))))
      (anvillm-test--await-state id "idle"))))

(provide 'anvillm-test)
;;; anvillm-test.el ends here
