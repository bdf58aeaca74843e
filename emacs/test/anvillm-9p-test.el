;;; anvillm-9p-test.el --- Tests of the 9P client that need no daemon -*- lexical-binding: t; -*-

;;; Commentary:

;; Frames reassembled from any split, text decoded only whole, ctl quoting,
;; the name space rules and the parsers of the tree's files.

;;; Code:

(require 'ert)
(require 'anvillm)

(defun anvillm-9p-test--rread (tag data)
  "An Rread of TAG carrying the bytes DATA."
  (anvillm-9p--frame 117 tag (concat (anvillm-9p--u32 (length data)) data)))

(defun anvillm-9p-test--feed (pieces)
  "Feed PIECES to a connection with tags 0-3 pending; return what each got."
  (let* ((conn (anvillm-9p--make-conn :socket "test"))
         (got nil))
    (dotimes (tag 4)
      (puthash tag (lambda (err body) (push (list tag err body) got))
               (anvillm-9p-conn-pending conn)))
    (dolist (p pieces) (anvillm-9p--filter conn p))
    (list (nreverse got) (anvillm-9p--join conn))))

(ert-deftest anvillm-9p-frames-are-reassembled-from-any-split ()
  (let* ((data (encode-coding-string "héllo ✓ wörld\n" 'utf-8))
         (stream (concat (anvillm-9p-test--rread 0 data)
                         (anvillm-9p--frame 107 1 (anvillm-9p--str "file does not exist"))
                         (anvillm-9p-test--rread 2 (make-string 1500 ?x))
                         (anvillm-9p--frame 121 3 "")))
         (whole (car (anvillm-9p-test--feed (list stream)))))
    (should (equal (mapcar #'car whole) '(0 1 2 3)))
    (should (equal (nth 1 (nth 1 whole)) "file does not exist"))
    ;; every split point, then pieces of random sizes
    (dotimes (i (length stream))
      (should (equal (anvillm-9p-test--feed (list (substring stream 0 i) (substring stream i)))
                     (list whole ""))))
    (dotimes (_ 50)
      (let ((pieces nil) (pos 0))
        (while (< pos (length stream))
          (let ((n (min (length stream) (+ pos 1 (random 700)))))
            (push (substring stream pos n) pieces)
            (setq pos n)))
        (should (equal (anvillm-9p-test--feed (nreverse pieces)) (list whole "")))))
    ;; bytes >= 0x80 are bytes: nothing is decoded on the way
    (should (equal (substring (nth 2 (car whole)) 4) data))))

(ert-deftest anvillm-9p-an-incomplete-frame-waits-for-the-rest ()
  (let ((frame (anvillm-9p-test--rread 0 "abc")))
    (pcase-let ((`(,got ,rest) (anvillm-9p-test--feed (list (substring frame 0 9)))))
      (should (null got))
      (should (equal rest (substring frame 0 9))))))

(ert-deftest anvillm-9p-utf-8-split-across-chunks-is-decoded-whole ()
  (let* ((text "naïve ✓ 日本語 line one\nsecond ✓ line\nthird")
         (bytes (encode-coding-string text 'utf-8)))
    (dotimes (i (length bytes))
      (dotimes (j (- (length bytes) i))
        (let* ((state (list ""))
               (k (+ i j))
               (lines (append (anvillm-9p-lines state (substring bytes 0 i))
                              (anvillm-9p-lines state (substring bytes i k))
                              (anvillm-9p-lines state (substring bytes k)))))
          (should (equal lines '("naïve ✓ 日本語 line one" "second ✓ line")))
          (should (equal (decode-coding-string (car state) 'utf-8) "third")))))))

(ert-deftest anvillm-9p-text-is-packed-as-utf-8 ()
  (should (equal (anvillm-9p--str "é") (unibyte-string 2 0 #xc3 #xa9)))
  (should (equal (anvillm-9p--u64 #x123456789) (unibyte-string #x89 #x67 #x45 #x23 1 0 0 0)))
  (let ((f (anvillm-9p--frame 100 anvillm-9p--notag "")))
    (should (equal f (unibyte-string 7 0 0 0 100 #xff #xff)))))

(ert-deftest anvillm-9p-ctl-words-are-quoted-like-the-java-client ()
  (should (equal (anvillm-9p-quote "quick") "quick"))
  (should (equal (anvillm-9p-quote "/tmp/a b") "'/tmp/a b'"))
  (should (equal (anvillm-9p-quote "it's") "'it'\"'\"'s'"))
  (should (equal (anvillm-9p-quote "") "''")))

(ert-deftest anvillm-9p-name-space-follows-plan9port ()
  (let ((process-environment (copy-sequence process-environment)))
    (setenv "NAMESPACE" "/tmp/somewhere")
    (should (equal (anvillm-9p-socket) "/tmp/somewhere/agent"))
    (setenv "NAMESPACE" nil)
    (setenv "USER" "ann")
    (setenv "DISPLAY" nil)
    (should (equal (anvillm-9p-namespace) "/tmp/ns.ann.:0"))
    (setenv "DISPLAY" "host:10.0")
    (should (equal (anvillm-9p-namespace) "/tmp/ns.ann.host:10"))
    (setenv "DISPLAY" "/private/tmp/launch/org:0")
    (should (equal (anvillm-9p-namespace) "/tmp/ns.ann._private_tmp_launch_org:0"))))

(ert-deftest anvillm-parsers-read-the-tree-files ()
  (should (equal (anvillm-parse-list "0123abcd\t-\tidle\t42\t/src/a\tb\nbad line\n")
                 (list (vector "0123abcd" nil nil "idle" 42 "/src/a\tb"))))
  (should (equal (anvillm-parse-event "state 0123abcd idle") '(0 "0123abcd" "state" "idle")))
  (should (equal (anvillm-parse-event "1700000000000 0123abcd restarted pid 7 after crash")
                 '(1700000000000 "0123abcd" "restarted" "pid 7 after crash")))
  (should (null (anvillm-parse-event "garbage")))
  (let ((stats (anvillm-parse-stats
                (concat "0123abcd\t-\tidle\t0.4\t1691648\t308224\t88\t0\t1\t-\n"
                        "4567cdef\tdev\trunning\t137.5\t2147483648\t-\t9\t2\t9\t127.0.0.1:8080\n"
                        "bad\tline\n"))))
    (should (equal (gethash "0123abcd" stats) '("0.4" . "301K"))) ; the PSS when known
    (should (equal (gethash "4567cdef" stats) '("138" . "2.0G"))) ; else the RSS
    (should (= (hash-table-count stats) 2)))
  (should (= (anvillm--bytes-of "301K") (* 301 1024)))
  (should (> (anvillm--bytes-of "1.5M") (anvillm--bytes-of "999K")))
  (should (> (anvillm--bytes-of "2.0G") (anvillm--bytes-of "1023M")))
  (should (= (anvillm--bytes-of "") 0))
  (let ((info (anvillm-parse-info "id\tab\ntmux\ttmux -S /tmp/a b/tmux attach -t ab\nhistory\tx\nhistory\ty\n")))
    (should (equal (anvillm-attach-command info)
                   '("tmux" "-S" "/tmp/a b/tmux" "attach-session" "-t" "=ab")))
    (should (equal (length (cl-remove-if-not (lambda (f) (equal (car f) "history")) info)) 2))))

(ert-deftest anvillm-rows-line-up-under-the-header-and-keep-their-ids ()
  (let ((anvillm--sessions (make-hash-table :test #'equal))
        (anvillm--order '("0123abcd" "4567cdef"))
        (anvillm--problem nil)
        (anvillm--stats (make-hash-table :test #'equal)))
    (puthash "0123abcd" '("12" . "1.5M") anvillm--stats)
    (puthash "0123abcd" (vector "0123abcd" "a-very-long-alias-name-here" "quick" "waiting" 123 "/tmp/x")
             anvillm--sessions)
    (puthash "4567cdef" (vector "4567cdef" nil "sh" "idle" 99999 "/tmp/é y") anvillm--sessions)
    (with-current-buffer (get-buffer-create anvillm-buffer-name)
      (anvillm-mode)
      (anvillm--render)
      (goto-char (point-min))
      (should (equal (tabulated-list-get-id) "0123abcd"))
      (should (looking-at " 0123abcd a-very-long-ali… quick      waiting        123    12  1.5M /tmp/x$"))
      (should (eq (get-text-property (+ (point) 38) 'face) 'anvillm-waiting))
      (should (equal mode-line-process " [1 waiting]"))
      (forward-line 1)
      (should (equal (tabulated-list-get-id) "4567cdef"))
      ;; no figures yet (agent/stats not read): blank cells, the cwd in its place
      (should (looking-at " 4567cdef -                sh         idle         99999             /tmp/é y$"))
      (kill-buffer))))

(provide 'anvillm-9p-test)
;;; anvillm-9p-test.el ends here
