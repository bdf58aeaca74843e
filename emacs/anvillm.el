;;; anvillm.el --- Drive AI coding agents run by anvilsrv -*- lexical-binding: t; -*-

;; Copyright (C) 2026 The anvillm authors

;; Author: The anvillm authors
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: processes, tools
;; URL: https://github.com/anvillm/anvillm

;; This file is not part of GNU Emacs.

;;; Commentary:

;; M-x anvillm shows the sessions of the anvillm daemon (anvilsrv) in the
;; *AnviLLM* buffer, live: it follows the daemon's agent/events stream over
;; its own 9P connection (anvillm-9p.el), with no external program.  The
;; only reading on a timer is agent/stats (CPU and memory), every 3 s while
;; the buffer shows in a window.  Every key acts on the session at point, by
;; id, and returns at once; what the daemon answers shows in the echo area.
;;
;;   s new session     p prompt buffer    P prompt from the minibuffer
;;   t stop   S start  R restart          i interrupt   K kill
;;   a alias  c context buffer            A attach (a terminal on tmux)
;;   l log (tail -f)   o last reply       r g refresh   d daemon   ? q
;;
;; The daemon is found as plan9port finds it: $NAMESPACE, else
;; /tmp/ns.$USER.$DISPLAY.

;;; Code:

(require 'anvillm-9p)
(require 'cl-lib)
(require 'subr-x)
(require 'seq)
(require 'tabulated-list)

(defgroup anvillm nil
  "Drive AI coding agents run by the anvillm daemon."
  :group 'tools
  :prefix "anvillm-")

(defcustom anvillm-terminal-command '("x-terminal-emulator" "-e")
  "How `anvillm-attach' opens a terminal: a program and its arguments.
The session's tmux attach command is appended to them.  It may also be a
function, called with that command as a list of strings; the function
`anvillm-attach-in-emacs' attaches in a `term' buffer of this Emacs (what
a terminal Emacs, with no window system, wants)."
  :type '(choice (repeat string)
                 (const :tag "A term buffer in Emacs" anvillm-attach-in-emacs)
                 function))

(defface anvillm-starting '((t :inherit font-lock-keyword-face))
  "A session whose agent is starting.")
(defface anvillm-idle '((t :inherit success))
  "A session whose agent waits for a prompt.")
(defface anvillm-running '((t :inherit warning))
  "A session whose agent is working on a turn.")
(defface anvillm-waiting '((t :inherit error :weight bold :inverse-video t))
  "A session whose agent asks a question a person must answer.")
(defface anvillm-stopped '((t :inherit shadow))
  "A stopped session.")
(defface anvillm-error '((t :inherit error))
  "A session that failed and waits for `start'.")
(defface anvillm-sleeping '((t :inherit shadow :slant italic))
  "A session asleep after its idle time; a prompt wakes it.")
(defface anvillm-exited '((t :inherit shadow))
  "A session whose agent exited.")
(defface anvillm-unreachable '((t :inherit shadow :slant italic))
  "Rows kept while the daemon cannot be reached.")

(defconst anvillm-buffer-name "*AnviLLM*")

;;;; State: one owner, this file; the buffer only shows it.

(defvar anvillm--conn nil "The kept connection to the daemon.")
(defvar anvillm--sessions (make-hash-table :test #'equal)
  "Session id -> (ID ALIAS BACKEND STATE PID CWD) as a vector.")
(defvar anvillm--order nil "Session ids, oldest first.")
(defvar anvillm--events nil "The read of agent/events in flight.")
(defvar anvillm--problem nil "Why the daemon cannot be reached, or nil.")
(defvar anvillm--retry 0.1 "Seconds until the next dial while the daemon is away.")
(defvar anvillm--retry-timer nil)
(defvar anvillm--render-timer nil)
(defvar anvillm--goto nil "The id of a session to put point on once it shows.")
(defvar anvillm--stats (make-hash-table :test #'equal)
  "Session id -> (CPU-TEXT . MEMORY-TEXT), as agent/stats last said.")
(defvar anvillm--stats-timer nil)
(defvar anvillm--stats-read nil "Non-nil while a read of agent/stats is in flight.")
(defconst anvillm--stats-every 3 "Seconds between reads of agent/stats while the table shows.")

(defun anvillm--connection ()
  "The live connection to the daemon, dialled now when there is none."
  (unless (anvillm-9p-live-p anvillm--conn)
    (setq anvillm--conn (anvillm-9p-connect))
    (let ((conn anvillm--conn))
      (anvillm-9p-add-close-hook conn (lambda (why) (anvillm--lost conn why)))))
  anvillm--conn)

(defun anvillm--say (fmt &rest args)
  "Show FMT with ARGS as one line in the echo area."
  (let ((text (apply #'format fmt args)))
    (message "anvillm: %s" (car (split-string text "\n")))))

(defmacro anvillm--with-conn (conn &rest body)
  "Run BODY with CONN bound to the daemon connection; say why when there is none."
  (declare (indent 1))
  `(condition-case err
       (let ((,conn (anvillm--connection))) ,@body)
     (error (anvillm--say "%s" (error-message-string err)) nil)))

;;;; Following the daemon

(defun anvillm--follow ()
  "Open agent/events, read the table, then apply each change as it comes."
  (when anvillm--events (anvillm-9p-cancel anvillm--events))
  (anvillm--with-conn conn
    (let ((lines (list "")))
      (setq anvillm--events
            (anvillm-9p-stream
             conn "events"
             (lambda (bytes)
               (dolist (line (anvillm-9p-lines lines bytes))
                 (anvillm--apply conn line)))
             (lambda (err _)
               (setq anvillm--events nil)
               (when (anvillm-9p-live-p conn)
                 ;; the daemon ended the stream: start again from the table
                 (anvillm--say "events ended (%s); following again" (or err "end of file"))
                 (anvillm--follow)))
             nil
             (lambda () (anvillm--resync conn)))))))

(defun anvillm--lost (conn why)
  "CONN closed for WHY: keep the rows, say so, and dial again with backoff."
  (when (eq conn anvillm--conn)
    (setq anvillm--events nil)
    (unless anvillm--problem
      (setq anvillm--retry 0.1)
      (anvillm--say "%s; reconnecting" why))
    (setq anvillm--problem why)
    (anvillm--render-soon)
    (anvillm--schedule-retry)))

(defun anvillm--schedule-retry ()
  "Dial again after `anvillm--retry' seconds while the buffer lives."
  (when (and (get-buffer anvillm-buffer-name) (not anvillm--retry-timer))
    (setq anvillm--retry-timer
          (run-at-time anvillm--retry nil
                       (lambda ()
                         (setq anvillm--retry-timer nil)
                         (when (get-buffer anvillm-buffer-name)
                           (condition-case err
                               (progn (anvillm--connection)
                                      (anvillm--say "reconnected to %s"
                                                    (anvillm-9p-conn-socket anvillm--conn))
                                      (anvillm--follow))
                             (error
                              (setq anvillm--problem (error-message-string err))
                              (anvillm--render-soon)
                              (setq anvillm--retry (min 2.0 (* 2 anvillm--retry)))
                              (anvillm--schedule-retry)))))))))

(defun anvillm--resync (conn)
  "Read the table from agent/list on CONN, then the backends not known yet."
  (anvillm-9p-read
   conn "list"
   (lambda (err text)
     (if err
         (anvillm--say "%s" err)
       (let ((old anvillm--sessions)
             (asked 0))
         (setq anvillm--sessions (make-hash-table :test #'equal)
               anvillm--order nil
               anvillm--problem nil)
         (dolist (s (anvillm-parse-list text))
           (let ((known (gethash (aref s 0) old)))
             (when known (aset s 2 (aref known 2)))
             (puthash (aref s 0) s anvillm--sessions)
             (push (aref s 0) anvillm--order)))
         (setq anvillm--order (nreverse anvillm--order))
         (anvillm--render)
         (dolist (id anvillm--order)
           (unless (aref (gethash id anvillm--sessions) 2)
             (cl-incf asked)
             (anvillm-9p-read
              conn (concat id "/backend")
              (lambda (err text)
                (let ((s (gethash id anvillm--sessions)))
                  (when (and s (not err)) (aset s 2 (string-trim text))))
                (when (= 0 (cl-decf asked)) (anvillm--render-soon)))))))))))

(defun anvillm-parse-list (text)
  "Sessions of agent/list TEXT as vectors [ID ALIAS BACKEND STATE PID CWD].
A line is id, alias or \"-\", state, pid, cwd, separated by tabs; the cwd
is the rest of the line.  Malformed lines are skipped."
  (let (out)
    (dolist (line (split-string text "\n" t))
      (let ((f (split-string line "\t")))
        (when (and (>= (length f) 5) (not (string-empty-p (car f))))
          (push (vector (nth 0 f) (anvillm--alias (nth 1 f)) nil (nth 2 f)
                        (string-to-number (nth 3 f))
                        (mapconcat #'identity (nthcdr 4 f) "\t"))
                out))))
    (nreverse out)))

(defun anvillm-parse-stats (text)
  "The lines of agent/stats TEXT as a hash table: id -> (CPU-TEXT . MEMORY-TEXT).
A line is id, alias, state, cpu, rss, pss or \"-\", uptime, restarts,
processes, ports, separated by tabs; the memory shown is the PSS when
known (shared pages counted once), else the RSS.  Malformed lines are skipped."
  (let ((out (make-hash-table :test #'equal)))
    (dolist (line (split-string text "\n" t))
      (let ((f (split-string line "\t")))
        (when (and (>= (length f) 10) (not (string-empty-p (car f)))
                   (string-match-p "\\`[0-9.]+\\'" (nth 3 f))
                   (string-match-p "\\`[0-9]+\\'" (nth 4 f)))
          (let ((cpu (string-to-number (nth 3 f)))
                (mem (string-to-number (if (equal (nth 5 f) "-") (nth 4 f) (nth 5 f)))))
            (puthash (car f) (cons (anvillm--cpu-text cpu) (anvillm--bytes-text mem)) out)))))
    out))

(defun anvillm--cpu-text (cpu)
  "Format CPU percent for its column: 0.4, 12, 250."
  (if (< cpu 10) (format "%.1f" cpu) (format "%.0f" cpu)))

(defun anvillm--bytes-text (b)
  "Format B bytes for their column: 512K, 87M, 1.2G."
  (let ((m (/ b 1048576.0)))
    (cond ((< b 1048576) (format "%dK" (/ (+ b 1023) 1024)))
          ((< m 10) (format "%.1fM" m))
          ((< m 1024) (format "%.0fM" m))
          (t (format "%.1fG" (/ m 1024))))))

(defun anvillm--read-stats ()
  "Read agent/stats if the table is in a window and no read is in flight."
  (let ((buf (get-buffer anvillm-buffer-name)))
    (if (not buf)
        (anvillm--stop-stats)
      (when (and (not anvillm--stats-read) (not anvillm--problem)
                 (get-buffer-window buf t) (anvillm-9p-live-p anvillm--conn))
        (setq anvillm--stats-read t)
        (condition-case nil
            (anvillm-9p-read
             anvillm--conn "stats"
             (lambda (err text)
               (setq anvillm--stats-read nil)
               (unless err
                 (let ((new (anvillm-parse-stats text)))
                   (unless (equal (anvillm--hash-alist new) (anvillm--hash-alist anvillm--stats))
                     (setq anvillm--stats new)
                     (anvillm--render-soon))))))
          (error (setq anvillm--stats-read nil)))))))

(defun anvillm--hash-alist (h)
  "The entries of hash table H as an alist sorted by key, to compare two tables."
  (let (out)
    (maphash (lambda (k v) (push (cons k v) out)) h)
    (sort out (lambda (a b) (string< (car a) (car b))))))

(defun anvillm--start-stats ()
  "Read agent/stats now and every `anvillm--stats-every' seconds."
  (unless anvillm--stats-timer
    (setq anvillm--stats-timer (run-at-time 0 anvillm--stats-every #'anvillm--read-stats))))

(defun anvillm--stop-stats ()
  "Stop reading agent/stats."
  (when anvillm--stats-timer (cancel-timer anvillm--stats-timer))
  (setq anvillm--stats-timer nil
        anvillm--stats-read nil))

(defun anvillm--alias (word)
  "WORD as an alias: nil for \"-\" or nothing."
  (unless (or (null word) (member word '("" "-"))) word))

(defun anvillm-parse-event (line)
  "Parse LINE of agent/events as (TIME ID KIND DETAIL), or nil.
The lines that start each open, state ID STATE, have TIME 0."
  (let ((f (split-string line " ")))
    (cond ((< (length f) 3) nil)
          ((equal (car f) "state") (list 0 (nth 1 f) "state" (nth 2 f)))
          ((string-match-p "\\`[0-9]+\\'" (car f))
           (list (string-to-number (car f)) (nth 1 f) (nth 2 f)
                 (mapconcat #'identity (nthcdr 3 f) " "))))))

(defun anvillm--apply (conn line)
  "Apply event LINE to the table, reading from CONN what it does not say."
  (pcase (anvillm-parse-event line)
    (`(,_ ,id ,kind ,detail)
     (let ((s (gethash id anvillm--sessions)))
       (pcase kind
         ("overflow" (anvillm--resync conn))
         ("created" (unless s (anvillm--fetch conn id)))
         ("killed" (when s
                     (remhash id anvillm--sessions)
                     (setq anvillm--order (delete id anvillm--order))
                     (anvillm--render-soon)))
         ("state" (if (null s) (anvillm--fetch conn id)
                    (aset s 3 detail)
                    (anvillm--render-soon)))
         ("alias" (when s (aset s 1 (anvillm--alias detail)) (anvillm--render-soon)))
         ((or "started" "restarted" "adopted")
          (when (and s (string-match "\\`pid \\([0-9]+\\)" detail))
            (aset s 4 (string-to-number (match-string 1 detail)))
            (anvillm--render-soon))))))))

(defun anvillm--fetch (conn id)
  "Add session ID, not in the table yet, from its info on CONN."
  (anvillm-9p-read
   conn (concat id "/info")
   (lambda (err text)
     (unless err ; killed meanwhile: its event follows
       (let ((info (anvillm-parse-info text)))
         (unless (gethash id anvillm--sessions)
           (setq anvillm--order (append anvillm--order (list id))))
         (puthash id (vector id (anvillm--alias (cdr (assoc "alias" info)))
                             (cdr (assoc "backend" info)) (cdr (assoc "state" info))
                             (string-to-number (or (cdr (assoc "pid" info)) "0"))
                             (cdr (assoc "cwd" info)))
                  anvillm--sessions)
         (anvillm--render-soon))))))

(defun anvillm-parse-info (text)
  "The facts of agent/<id>/info TEXT as an alist, in order (keys may repeat)."
  (let (out)
    (dolist (line (split-string text "\n" t))
      (let ((tab (string-search "\t" line)))
        (when (and tab (> tab 0))
          (push (cons (substring line 0 tab) (substring line (1+ tab))) out))))
    (nreverse out)))

(defun anvillm-attach-command (info)
  "The argv that attaches a terminal to the session of INFO (an alist), or nil.
The tmux fact reads tmux -S SOCKET attach -t TARGET; the socket may hold spaces."
  (let ((line (cdr (assoc "tmux" info))))
    (when (and line
               (string-match "\\`tmux -S \\(.+\\) attach -t \\([^ ]+\\)\\'" (string-trim line)))
      (list "tmux" "-S" (match-string 1 (string-trim line))
            "attach-session" "-t" (concat "=" (match-string 2 (string-trim line)))))))

;;;; The buffer

(defun anvillm--render-soon ()
  "Draw the table once the events at hand are applied."
  (unless anvillm--render-timer
    (setq anvillm--render-timer
          (run-at-time 0 nil (lambda ()
                               (setq anvillm--render-timer nil)
                               (anvillm--render))))))

(defun anvillm--entry (s)
  "The table row of session vector S."
  (let* ((state (or (aref s 3) "?"))
         (face (if anvillm--problem 'anvillm-unreachable
                 (intern-soft (concat "anvillm-" state))))
         (use (gethash (aref s 0) anvillm--stats)))
    (list (aref s 0)
          (vector (aref s 0) (or (aref s 1) "-") (or (aref s 2) "")
                  (if (facep face) (propertize state 'face face) state)
                  (number-to-string (aref s 4))
                  (or (car use) "") (or (cdr use) "")
                  (or (aref s 5) "")))))

(defun anvillm--render ()
  "Draw the table in the *AnviLLM* buffer, keeping point on its session."
  (let ((buf (get-buffer anvillm-buffer-name)))
    (when buf
      (with-current-buffer buf
        (setq tabulated-list-entries
              (mapcar (lambda (id) (anvillm--entry (gethash id anvillm--sessions)))
                      (cl-remove-if-not (lambda (id) (gethash id anvillm--sessions))
                                        anvillm--order)))
        (setq mode-line-process
              (cond (anvillm--problem " [daemon not answering]")
                    (t (let ((n (cl-count-if (lambda (id)
                                               (equal "waiting" (aref (gethash id anvillm--sessions) 3)))
                                             anvillm--order)))
                         (if (> n 0) (format " [%d waiting]" n) "")))))
        (tabulated-list-print t)
        (when (and anvillm--goto (gethash anvillm--goto anvillm--sessions))
          (anvillm--goto-id anvillm--goto)
          (setq anvillm--goto nil))))))

(defun anvillm--goto-id (id)
  "Put point on the row of session ID."
  (goto-char (point-min))
  (while (and (not (eobp)) (not (equal (tabulated-list-get-id) id)))
    (forward-line 1))
  (dolist (w (get-buffer-window-list (current-buffer) nil t))
    (set-window-point w (point))))

(defun anvillm--cell (text width)
  "TEXT cut to WIDTH characters (the tree's words are ASCII)."
  (if (> (length text) width) (concat (substring text 0 (1- width)) "…") text))

(defun anvillm--print-row (id cols)
  "Insert the row of session ID with columns COLS.
It looks as `tabulated-list-print-entry' would make it, with
one `format' per row instead of its work per cell: 200 rows draw
several times faster.  The widths are those of `tabulated-list-format'."
  (let ((beg (point)))
    (insert (format " %-8s %-16s %-10s %-9s %8s %5s %5s %s\n"
                    (anvillm--cell (aref cols 0) 8) (anvillm--cell (aref cols 1) 16)
                    (anvillm--cell (aref cols 2) 10) (aref cols 3) (aref cols 4)
                    (aref cols 5) (aref cols 6) (aref cols 7)))
    (add-text-properties beg (point) (list 'tabulated-list-id id 'tabulated-list-entry cols))))

(defun anvillm--sort-pid (a b)
  "Non-nil when row A has a smaller pid than row B."
  (< (string-to-number (aref (cadr a) 4)) (string-to-number (aref (cadr b) 4))))

(defun anvillm--sort-cpu (a b)
  "Non-nil when row A has less CPU in use than row B."
  (< (string-to-number (aref (cadr a) 5)) (string-to-number (aref (cadr b) 5))))

(defun anvillm--bytes-of (text)
  "The bytes TEXT (512K, 87M, 1.2G) stands for; 0 when it is blank."
  (* (string-to-number text)
     (pcase (and (> (length text) 0) (aref text (1- (length text))))
       (?K 1024) (?M 1048576) (?G 1073741824) (_ 1))))

(defun anvillm--sort-mem (a b)
  "Non-nil when row A has less memory in use than row B."
  (< (anvillm--bytes-of (aref (cadr a) 6)) (anvillm--bytes-of (aref (cadr b) 6))))

(defvar anvillm-mode-map
  (let ((map (make-sparse-keymap)))
    (set-keymap-parent map tabulated-list-mode-map)
    (define-key map "s" #'anvillm-new)
    (define-key map "p" #'anvillm-prompt)
    (define-key map "P" #'anvillm-prompt-minibuffer)
    (define-key map "t" #'anvillm-stop)
    (define-key map "S" #'anvillm-start)
    (define-key map "R" #'anvillm-restart)
    (define-key map "i" #'anvillm-interrupt)
    (define-key map "K" #'anvillm-kill)
    (define-key map "a" #'anvillm-alias)
    (define-key map "A" #'anvillm-attach)
    (define-key map "c" #'anvillm-context)
    (define-key map "l" #'anvillm-log)
    (define-key map "o" #'anvillm-reply)
    (define-key map "r" #'anvillm-refresh)
    (define-key map "g" #'anvillm-refresh)
    (define-key map "d" #'anvillm-daemon)
    (define-key map "?" #'anvillm-help)
    (define-key map "q" #'quit-window)
    map)
  "Keys of `anvillm-mode'.")

(define-derived-mode anvillm-mode tabulated-list-mode "AnviLLM"
  "The sessions of the anvillm daemon, live.
Every key acts on the session at point:

\\{anvillm-mode-map}"
  (setq tabulated-list-format
        [("ID" 8 t) ("Alias" 16 t) ("Backend" 10 t) ("State" 9 t)
         ("PID" 8 anvillm--sort-pid :right-align t)
         ("CPU" 5 anvillm--sort-cpu :right-align t) ("Mem" 5 anvillm--sort-mem :right-align t)
         ("Cwd" 0 t)])
  (setq tabulated-list-padding 1)
  (setq tabulated-list-printer #'anvillm--print-row)
  (setq tabulated-list-sort-key nil)
  (setq revert-buffer-function (lambda (&rest _) (anvillm-refresh)))
  (tabulated-list-init-header)
  (add-hook 'kill-buffer-hook #'anvillm--hang-up nil t))

(defun anvillm--hang-up ()
  "Stop following the daemon once the buffer is gone."
  (when anvillm--retry-timer (cancel-timer anvillm--retry-timer))
  (setq anvillm--retry-timer nil)
  (when anvillm--events (anvillm-9p-cancel anvillm--events))
  (setq anvillm--events nil)
  (anvillm--stop-stats))

;;;###autoload
(defun anvillm ()
  "Show the sessions of the anvillm daemon in the *AnviLLM* buffer, live."
  (interactive)
  (let ((buf (get-buffer-create anvillm-buffer-name)))
    (with-current-buffer buf
      (unless (derived-mode-p 'anvillm-mode) (anvillm-mode)))
    (unless anvillm--events
      (setq anvillm--problem nil)
      (anvillm--render)
      (anvillm--follow)
      (anvillm--start-stats)
      (unless (anvillm-9p-live-p anvillm--conn)
        (setq anvillm--problem "daemon not answering")
        (anvillm--schedule-retry)))
    (pop-to-buffer-same-window buf)))

;;;; Commands on the session at point

(defun anvillm--id ()
  "The id of the session at point."
  (or (tabulated-list-get-id) (user-error "No session on this line")))

(defun anvillm--name (id)
  "How a person names session ID: its alias, else its id."
  (let ((s (gethash id anvillm--sessions)))
    (or (and s (aref s 1)) id)))

(defun anvillm--write (path text done)
  "Write TEXT to agent/PATH without waiting; say DONE (a string) when it is."
  (anvillm--with-conn conn
    (anvillm-9p-write conn path text
                      (lambda (err _)
                        (if err (anvillm--say "%s" err) (anvillm--say "%s" done))))))

(defun anvillm--ctl (id word)
  "Write the ctl command WORD to session ID."
  (let ((name (anvillm--name id)))
    (anvillm--say "%s %s..." word name)
    (anvillm--write (concat id "/ctl") (concat word "\n") (format "%s %s: done" word name))))

(defun anvillm-stop ()
  "Stop the session at point (it stays stopped until started)."
  (interactive)
  (anvillm--ctl (anvillm--id) "stop"))

(defun anvillm-start ()
  "Start the session at point, resuming its conversation."
  (interactive)
  (anvillm--ctl (anvillm--id) "start"))

(defun anvillm-restart ()
  "Restart the session at point, same conversation."
  (interactive)
  (anvillm--ctl (anvillm--id) "restart"))

(defun anvillm-interrupt ()
  "Interrupt the turn of the session at point."
  (interactive)
  (anvillm--ctl (anvillm--id) "interrupt"))

(defun anvillm-kill ()
  "Kill the session at point and forget it, once confirmed."
  (interactive)
  (let ((id (anvillm--id)))
    (when (yes-or-no-p (format "Kill session %s (its agent and its record)? " (anvillm--name id)))
      (anvillm--ctl id "kill"))))

(defun anvillm-alias (alias)
  "Set the alias of the session at point to ALIAS (empty clears it)."
  (interactive
   (list (read-string (format "Alias for %s (empty clears): " (anvillm--id))
                      (let ((s (gethash (anvillm--id) anvillm--sessions))) (and s (aref s 1))))))
  (let ((id (anvillm--id)))
    (anvillm--write (concat id "/alias") (string-trim alias)
                    (if (string-empty-p (string-trim alias))
                        (format "%s: alias cleared" id)
                      (format "%s: alias %s" id (string-trim alias))))))

(defun anvillm--backends ()
  "The backends as ((NAME OK NOTE) ...), read now."
  (let ((conn (anvillm--connection)))
    (mapcar (lambda (line) (let ((f (split-string line "\t")))
                             (list (nth 0 f) (equal (nth 1 f) "ok")
                                   (mapconcat #'identity (nthcdr 2 f) "\t"))))
            (split-string (anvillm-9p-sync (lambda (cb) (anvillm-9p-read conn "backends" cb)) 5 conn)
                          "\n" t))))

(defun anvillm-new (backend dir)
  "Start a session of BACKEND in directory DIR (`~' works).
Interactively, choose among the daemon's backends (those that cannot
start here say why), then a directory."
  (interactive
   (let* ((backends (condition-case err (anvillm--backends)
                      (error (user-error "%s" (error-message-string err)))))
          (completion-extra-properties
           (list :annotation-function
                 (lambda (name)
                   (let ((b (assoc name backends)))
                     (format "  %s %s" (if (nth 1 b) "ok" "unavailable:") (nth 2 b)))))))
     (list (completing-read "Backend: " backends nil t nil nil
                            (car (seq-find #'cadr backends)))
           (read-directory-name "Directory: " nil nil t))))
  (let ((dir (directory-file-name (expand-file-name dir))))
    (if (string-match-p "[\n\r]" dir)
        (anvillm--say "a directory name cannot hold a line break")
      (anvillm--with-conn conn
      (anvillm--say "starting %s in %s..." backend dir)
      (anvillm-9p-write conn "ctl"
                        (format "new %s %s\n" (anvillm-9p-quote backend) (anvillm-9p-quote dir))
                        (lambda (err id)
                          (if err (anvillm--say "%s" err)
                            (setq id (string-trim id))
                            (setq anvillm--goto id)
                            (anvillm--render-soon)
                            (anvillm--say "started %s (%s in %s)" id backend dir)))
                        t)))))

(defun anvillm--send-prompt (id text)
  "Send TEXT to session ID as one prompt, without waiting."
  (if (string-blank-p text)
      (anvillm--say "empty prompt: nothing sent")
    (let* ((s (gethash id anvillm--sessions))
           (busy (and s (member (aref s 3) '("starting" "running" "waiting")))))
      (anvillm--write (concat id "/in") text
                      (format (if busy "prompt queued for %s (busy)" "prompt sent to %s")
                              (anvillm--name id))))))

(defun anvillm-prompt-minibuffer (text)
  "Send TEXT, read in the minibuffer, to the session at point."
  (interactive (list (read-string (format "Prompt for %s: " (anvillm--name (anvillm--id))))))
  (anvillm--send-prompt (anvillm--id) text))

;;;; Editing buffers: a prompt, a context

(defvar-local anvillm--edit-send nil "Called with the buffer's text by \\[anvillm-edit-send].")

(defvar anvillm-edit-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c C-c") #'anvillm-edit-send)
    (define-key map (kbd "C-c C-k") #'anvillm-edit-abort)
    map)
  "Keys of `anvillm-edit-mode'.")

(define-derived-mode anvillm-edit-mode text-mode "AnviLLM-Edit"
  "Text for a session.
\\[anvillm-edit-send] sends it whole, \\[anvillm-edit-abort] aborts.")

(defun anvillm--edit (name header text send)
  "Pop to buffer NAME holding TEXT, with HEADER.
Its \\[anvillm-edit-send] calls SEND with the whole text."
  (let ((buf (get-buffer-create name)))
    (with-current-buffer buf
      (anvillm-edit-mode)
      (erase-buffer)
      (insert text)
      (goto-char (point-min))
      (setq header-line-format header)
      (setq anvillm--edit-send send))
    (pop-to-buffer buf)))

(defun anvillm-edit-send ()
  "Send the whole buffer, as one write, and close it."
  (interactive)
  (let ((send anvillm--edit-send)
        (text (buffer-substring-no-properties (point-min) (point-max))))
    (quit-window t)
    (funcall send text)))

(defun anvillm-edit-abort ()
  "Close the buffer without sending it."
  (interactive)
  (quit-window t)
  (anvillm--say "aborted: nothing sent"))

(defun anvillm-prompt ()
  "Edit a prompt for the session at point in a buffer.
\\<anvillm-edit-mode-map>\\[anvillm-edit-send] sends it whole, as one prompt."
  (interactive)
  (let ((id (anvillm--id)))
    (anvillm--edit (format "*anvillm prompt: %s*" (anvillm--name id))
                   (format "Prompt for %s: C-c C-c send, C-c C-k abort" (anvillm--name id))
                   "" (lambda (text) (anvillm--send-prompt id text)))))

(defun anvillm-context ()
  "Edit the context of the session at point in a buffer.
\\<anvillm-edit-mode-map>\\[anvillm-edit-send] saves it whole."
  (interactive)
  (let ((id (anvillm--id)))
    (anvillm--with-conn conn
      (anvillm-9p-read conn (concat id "/context")
                       (lambda (err text)
                         (if err (anvillm--say "%s" err)
                           (anvillm--edit (format "*anvillm context: %s*" (anvillm--name id))
                                          (format "Context of %s: C-c C-c save, C-c C-k abort"
                                                  (anvillm--name id))
                                          text
                                          (lambda (text)
                                            (anvillm--write (concat id "/context") text
                                                            (format "context of %s saved"
                                                                    (anvillm--name id)))))))))))

;;;; Reading: log, reply, info

(defvar-local anvillm--log-op nil "The read of the log in flight.")
(defvar-local anvillm--log-shown 0 "Bytes of the log shown: where a new read starts.")
(defvar-local anvillm--log-retry nil "The timer of the next attempt to follow the log.")
(defvar-local anvillm--log-wait 0.1 "Seconds until the next attempt while the daemon is away.")
(defvar-local anvillm--log-lost nil "Non-nil while the log cannot be followed for want of a daemon.")

(define-derived-mode anvillm-log-mode special-mode "AnviLLM-Log"
  "A session's log, following like tail -f."
  (add-hook 'kill-buffer-hook #'anvillm--log-stop nil t))

(defun anvillm--log-stop ()
  "Stop following the log of the current buffer."
  (when anvillm--log-retry (cancel-timer anvillm--log-retry))
  (setq anvillm--log-retry nil)
  (anvillm-9p-cancel anvillm--log-op)
  (setq anvillm--log-op nil))

(defun anvillm--append (buf text)
  "Append TEXT to BUF; windows at its end follow it, like tail -f."
  (when (buffer-live-p buf)
    (with-current-buffer buf
      (let ((following (mapcar (lambda (w) (cons w (= (window-point w) (point-max))))
                               (get-buffer-window-list buf nil t)))
            (at-end (= (point) (point-max)))
            (inhibit-read-only t))
        (save-excursion (goto-char (point-max)) (insert text))
        (when at-end (goto-char (point-max)))
        (dolist (w following)
          (when (cdr w) (set-window-point (car w) (point-max))))))))

(defun anvillm-log ()
  "Show the log of the session at point, following it like tail -f."
  (interactive)
  (let* ((id (anvillm--id))
         (buf (get-buffer-create (format "*anvillm log: %s*" (anvillm--name id)))))
    (with-current-buffer buf
      (anvillm--log-stop)
      (let ((inhibit-read-only t)) (erase-buffer))
      (anvillm-log-mode)
      (setq anvillm--log-shown 0))
    (anvillm--log-follow buf id)
    (pop-to-buffer buf)))

(defun anvillm--log-follow (buf id)
  "Stream the log of session ID into BUF, after the part already in it.
When the daemon goes away, say so in BUF and try again, waiting longer
each time (up to 2 s), until it answers; then go on where the log stood."
  (condition-case e
      (let* ((conn (anvillm--connection))
             (lines (list ""))
             (start (buffer-local-value 'anvillm--log-shown buf))
             (received 0))
        (with-current-buffer buf
          (setq anvillm--log-op
                (anvillm-9p-stream
                 conn (concat id "/log")
                 (lambda (bytes)
                   (setq received (+ received (length bytes)))
                   (let ((whole (anvillm-9p-lines lines bytes)))
                     (when (and whole (buffer-live-p buf))
                       ;; only whole lines count as shown: a line cut by a lost connection is read again
                       (with-current-buffer buf
                         (setq anvillm--log-shown (- (+ start received) (length (car lines)))))
                       (anvillm--append buf (concat (string-join whole "\n") "\n")))))
                 (lambda (err _)
                   (cond ((not (buffer-live-p buf)))
                         ((and err (not (anvillm-9p-live-p conn)))
                          (anvillm--append buf (format "-- %s; following again once it answers\n" err))
                          (with-current-buffer buf (setq anvillm--log-wait 0.1 anvillm--log-lost t))
                          (anvillm--log-retry buf id))
                         (t (anvillm--append buf (format "%s-- %s\n"
                                                         (decode-coding-string (car lines) 'utf-8 t)
                                                         (or err "end of log"))))))
                 nil
                 (lambda ()
                   (when (buffer-live-p buf)
                     (with-current-buffer buf
                       (when anvillm--log-lost
                         (anvillm--append buf "-- the daemon answers again; following\n"))
                       (setq anvillm--log-wait 0.1 anvillm--log-lost nil))))
                 start))))
    (error (when (buffer-live-p buf)
             (with-current-buffer buf
               (unless anvillm--log-lost
                 (setq anvillm--log-lost t)
                 (anvillm--append buf (format "-- %s; following again once it answers\n"
                                              (error-message-string e))))
               (setq anvillm--log-wait (min 2.0 (* 2 anvillm--log-wait))))
             (anvillm--log-retry buf id)))))

(defun anvillm--log-retry (buf id)
  "Follow the log of session ID in BUF again after the buffer's wait."
  (when (buffer-live-p buf)
    (with-current-buffer buf
      (setq anvillm--log-retry
            (run-at-time anvillm--log-wait nil
                         (lambda ()
                           (when (buffer-live-p buf)
                             (with-current-buffer buf (setq anvillm--log-retry nil))
                             (anvillm--log-follow buf id))))))))

(defun anvillm-reply ()
  "Show the last reply of the session at point (once its turn ends)."
  (interactive)
  (let* ((id (anvillm--id))
         (name (anvillm--name id)))
    (anvillm--with-conn conn
      (anvillm--say "reading %s's last reply..." name)
      (anvillm-9p-read conn (concat id "/reply")
                       (lambda (err text)
                         (if err (anvillm--say "%s" err)
                           (let ((buf (get-buffer-create (format "*anvillm reply: %s*" name))))
                             (with-current-buffer buf
                               (let ((inhibit-read-only t))
                                 (erase-buffer)
                                 (insert text))
                               (goto-char (point-min))
                               (special-mode))
                             (display-buffer buf)
                             (anvillm--say "reply of %s: %d lines" name
                                           (length (split-string text "\n" t))))))
                       'none))))

(declare-function term-char-mode "term" ())

(defun anvillm-attach-in-emacs (argv)
  "Run ARGV, a session's tmux attach, in a `term' buffer; return the buffer.
The buffer, *anvillm attach: ID*, shows the session's screen and sends
your keys to the agent (`term-char-mode').  Killing the buffer, like the
tmux prefix then d, only detaches: the session runs on."
  (require 'term)
  (let* ((id (string-remove-prefix "=" (car (last argv))))
         (buf (apply #'make-term (format "anvillm attach: %s" id) (car argv) nil (cdr argv))))
    (set-process-query-on-exit-flag (get-buffer-process buf) nil)
    (with-current-buffer buf (term-char-mode))
    (pop-to-buffer buf)
    buf))

(defun anvillm-attach ()
  "Open a terminal attached to the tmux window of the session at point.
The terminal is `anvillm-terminal-command'; the attach command is the one
the session's info names."
  (interactive)
  (let ((id (anvillm--id)))
    (anvillm--with-conn conn
      (anvillm-9p-read
       conn (concat id "/info")
       (lambda (err text)
         (let ((argv (and (not err) (anvillm-attach-command (anvillm-parse-info text)))))
           (cond (err (anvillm--say "%s" err))
                 ((null argv) (anvillm--say "%s: the daemon names no tmux window to attach" id))
                 ((functionp anvillm-terminal-command)
                  (funcall anvillm-terminal-command argv)
                  (anvillm--say "attaching to %s" (anvillm--name id)))
                 ((not (executable-find (car anvillm-terminal-command)))
                  (anvillm--say "no %s on PATH; set anvillm-terminal-command (%s attaches in Emacs)"
                                (car anvillm-terminal-command) 'anvillm-attach-in-emacs))
                 (t (make-process :name "anvillm-attach" :noquery t
                                  :command (append anvillm-terminal-command argv))
                    (anvillm--say "attaching to %s in %s" (anvillm--name id)
                                  (car anvillm-terminal-command))))))))))

;;;; The whole table

(defun anvillm-refresh ()
  "Read the table again; on a session, ask the daemon to re-detect its state."
  (interactive)
  (let ((id (and (derived-mode-p 'anvillm-mode) (tabulated-list-get-id))))
    (anvillm--with-conn conn
      (when id (anvillm-9p-write conn (concat id "/ctl") "refresh\n"
                                 (lambda (err _) (when err (anvillm--say "%s" err)))))
      (if anvillm--events
          (anvillm--resync conn)
        (anvillm--follow))
      (anvillm--say "refreshed"))))

(defun anvillm-daemon ()
  "Say if the daemon is running: pid, name space, socket, uptime, sessions."
  (interactive)
  (let* ((ns (anvillm-9p-namespace))
         (pidfile (expand-file-name "anvilsrv.pid" ns))
         (pid (and (file-readable-p pidfile)
                   (string-to-number (with-temp-buffer (insert-file-contents pidfile)
                                                       (buffer-string)))))
         (etime (and pid (cdr (assq 'etime (process-attributes pid))))))
    (anvillm--with-conn conn
      (anvillm-9p-read
       conn "list"
       (lambda (err text)
         (if err (anvillm--say "anvilsrv not running: %s" err)
           (anvillm--say "anvilsrv running: pid %s, namespace %s, socket %s, up %s, %d sessions"
                         (or pid "?") ns (anvillm-9p-conn-socket conn)
                         (if etime (format-seconds "%Y, %D, %H, %M, %z%S" (time-convert etime 'integer)) "?")
                         (length (anvillm-parse-list text)))))))))

(defun anvillm-help ()
  "Show the keys of the *AnviLLM* buffer."
  (interactive)
  (describe-function 'anvillm-mode))

(provide 'anvillm)
;;; anvillm.el ends here
