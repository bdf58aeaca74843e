;;; anvillm-bench.el --- Figures of the Emacs mode, for bin/bench emacs -*- lexical-binding: t; -*-

;;; Commentary:

;; Run by EmacsBench against a daemon holding many sessions: a small read
;; over the kept connection, a refresh of the whole table (agent/list
;; read, parsed and drawn), and a read of a 2 MiB file (a log) with the
;; collections it caused.  Prints "BENCH <name> <median ms> <min ms>" lines.

;;; Code:

(require 'anvillm)

(defun anvillm-bench--read-bytes (path size deadline)
  "Read the first SIZE bytes of PATH, a file whose read blocks at its end.
Join and decode them as `anvillm-9p-read' does; fail after DEADLINE seconds."
  (let* ((conn (anvillm--connection))
         (pieces nil) (got 0)
         (end (+ (float-time) deadline))
         (op (anvillm-9p-stream conn path (lambda (b) (push b pieces) (setq got (+ got (length b))))
                                (lambda (err _) (when err (error "%s" err))))))
    (while (< got size)
      (when (> (float-time) end) (error "Only %d of %d bytes of %s in %d s" got size path deadline))
      (accept-process-output (anvillm-9p-conn-process conn) 0.05 nil t))
    (anvillm-9p-cancel op)
    (decode-coding-string (apply #'concat (nreverse pieces)) 'utf-8 t)))

(defun anvillm-bench--median (xs)
  "The median of XS."
  (nth (/ (length xs) 2) (sort (copy-sequence xs) #'<)))

(defun anvillm-bench--report (name xs)
  "Print the figures of NAME, XS in seconds."
  (princ (format "BENCH %s %.3f %.3f %d\n" name (* 1000 (anvillm-bench--median xs))
                 (* 1000 (apply #'min xs)) (length (anvillm-parse-list (anvillm-bench--read "list"))))))

(defun anvillm-bench--read (path)
  "Read PATH now."
  (let ((conn (anvillm--connection)))
    (anvillm-9p-sync (lambda (cb) (anvillm-9p-read conn path cb)) 10 conn)))

(let* ((id (aref (car (anvillm-parse-list (anvillm-bench--read "list"))) 0))
       (reads nil) (refreshes nil) (drawn 0))
  (dotimes (_ 300)
    (let ((t0 (float-time)))
      (anvillm-bench--read (concat id "/state"))
      (push (- (float-time) t0) reads)))
  (anvillm-bench--report "small-read" reads)
  (anvillm)
  (advice-add 'anvillm--render :after (lambda (&rest _) (setq drawn (1+ drawn))))
  ;; the first resync also learns every backend; the refreshes after it are what `g' costs
  (let ((end (+ (float-time) 60)))
    (while (and (< (hash-table-count anvillm--sessions) 1) (< (float-time) end))
      (accept-process-output nil 0.02))
    (while (and (seq-some (lambda (id) (null (aref (gethash id anvillm--sessions) 2))) anvillm--order)
                (< (float-time) end))
      (accept-process-output nil 0.02)))
  (dotimes (_ 30)
    (let ((t0 (float-time)) (before drawn))
      (garbage-collect)
      (setq t0 (float-time))
      (anvillm--resync anvillm--conn)
      (while (= drawn before) (accept-process-output (anvillm-9p-conn-process anvillm--conn) 0.01 nil t))
      (push (- (float-time) t0) refreshes)))
  (anvillm-bench--report "refresh" refreshes)
  ;; its parts: the read of agent/list alone, the drawing alone
  (let ((lists nil) (draws nil))
    (dotimes (_ 30)
      (let ((t0 (float-time)))
        (anvillm-bench--read "list")
        (push (- (float-time) t0) lists)))
    (dotimes (_ 30)
      (let ((t0 (float-time)))
        (anvillm--render)
        (push (- (float-time) t0) draws)))
    (anvillm-bench--report "list-read" lists)
    (anvillm-bench--report "draw" draws))
  (with-current-buffer anvillm-buffer-name
    (princ (format "BENCH rows %d\n" (count-lines (point-min) (point-max)))))
  ;; a large file: the log after four prompts of 512 KiB, read in 64 KiB messages, collections counted
  (let* ((conn (anvillm--connection))
         (prompt (apply #'concat (make-list 8192 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n")))
         (size (* 4 (length prompt)))
         (bigs nil) (gcs 0) (gc-time 0))
    (dotimes (_ 4)
      (anvillm-9p-sync (lambda (cb) (anvillm-9p-write conn (concat id "/in") prompt cb)) 60 conn))
    (anvillm-bench--read-bytes (concat id "/log") size 300) ; once all four are logged
    (garbage-collect)
    (setq gcs gcs-done gc-time gc-elapsed)
    (dotimes (_ 10)
      (let ((t0 (float-time)))
        (anvillm-bench--read-bytes (concat id "/log") size 60)
        (push (- (float-time) t0) bigs)))
    (anvillm-bench--report "big-read" bigs)
    (princ (format "BENCH big-read-gc %d %.3f\n" (- gcs-done gcs) (* 1000 (/ (- gc-elapsed gc-time) 10))))))
;;; anvillm-bench.el ends here
