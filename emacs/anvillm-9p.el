;;; anvillm-9p.el --- A 9P2000 client over a Unix socket -*- lexical-binding: t; -*-

;; Copyright (C) 2026 The anvillm authors

;; Author: The anvillm authors
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: processes, tools
;; URL: https://github.com/anvillm/anvillm

;; This file is not part of GNU Emacs.

;;; Commentary:

;; The 9P2000 client behind `anvillm': one kept connection to a daemon's
;; Unix socket, found by plan9port's name space rules, with requests matched
;; by tag so a read that blocks (a stream of events, a log, a reply) never
;; stalls the others.  Every operation is asynchronous: it takes a callback
;; called as (CALLBACK ERR VALUE), ERR being the server's one-line error or
;; nil.  `anvillm-9p-sync' waits for one when a caller must.
;;
;; Bytes stay bytes on the wire (the process uses `binary' coding); text is
;; encoded to UTF-8 before it is packed and decoded only as whole contents or
;; whole lines, never chunk by chunk, since a read may end mid-character.

;;; Code:

(require 'cl-lib)
(require 'subr-x)

(defgroup anvillm-9p nil
  "The 9P2000 client of anvillm."
  :group 'anvillm
  :prefix "anvillm-9p-")

(defcustom anvillm-9p-msize 65536
  "The largest 9P message asked for at Tversion, in bytes."
  :type 'integer)

(defcustom anvillm-9p-timeout 30
  "Seconds a request that should not block may take before it is flushed.
Blocking reads (events, log, reply) have no timeout."
  :type 'number)

(defconst anvillm-9p--notag #xFFFF "The tag of Tversion.")
(defconst anvillm-9p--nofid #xFFFFFFFF "The afid of an unauthenticated Tattach.")
(defconst anvillm-9p--iohdrsz 24 "What a Tread or Rwrite adds to its data.")

;; Message types (the T's; each R is one more).
(defconst anvillm-9p--tversion 100)
(defconst anvillm-9p--tattach 104)
(defconst anvillm-9p--rerror 107)
(defconst anvillm-9p--tflush 108)
(defconst anvillm-9p--twalk 110)
(defconst anvillm-9p--topen 112)
(defconst anvillm-9p--tread 116)
(defconst anvillm-9p--twrite 118)
(defconst anvillm-9p--tclunk 120)

;;;; Name space

(defun anvillm-9p--canonical-display (display)
  "DISPLAY as plan9port names it: a trailing \".0\" dropped, `/' as `_'."
  (when (string-match "\\`\\(.*:[0-9]*\\)\\.0\\'" display)
    (setq display (match-string 1 display)))
  (replace-regexp-in-string "/" "_" display t t))

(defun anvillm-9p-namespace ()
  "The name space directory: $NAMESPACE, else /tmp/ns.$USER.$DISPLAY."
  (let ((ns (getenv "NAMESPACE")))
    (if (and ns (not (string-empty-p ns)))
        ns
      (let ((user (or (getenv "USER") (user-login-name)))
            (display (getenv "DISPLAY")))
        (when (or (null display) (string-empty-p display))
          (setq display ":0"))
        (format "/tmp/ns.%s.%s" user (anvillm-9p--canonical-display display))))))

(defun anvillm-9p-socket (&optional service)
  "The socket of SERVICE (default \"agent\") in the name space."
  (expand-file-name (or service "agent") (anvillm-9p-namespace)))

;;;; Packing and unpacking

(defun anvillm-9p--u16 (n)
  "N as 2 bytes, little-endian."
  (unibyte-string (logand n 255) (logand (ash n -8) 255)))

(defun anvillm-9p--u32 (n)
  "N as 4 bytes, little-endian."
  (unibyte-string (logand n 255) (logand (ash n -8) 255)
                  (logand (ash n -16) 255) (logand (ash n -24) 255)))

(defun anvillm-9p--u64 (n)
  "N as 8 bytes, little-endian."
  (concat (anvillm-9p--u32 (logand n #xFFFFFFFF))
          (anvillm-9p--u32 (ash n -32))))

(defun anvillm-9p--str (s)
  "S encoded to UTF-8, with its 2-byte length ahead."
  (let ((b (encode-coding-string s 'utf-8 t)))
    (concat (anvillm-9p--u16 (length b)) b)))

(defun anvillm-9p--get16 (b i)
  "The 2-byte little-endian number at I in B."
  (logior (aref b i) (ash (aref b (1+ i)) 8)))

(defun anvillm-9p--get32 (b i)
  "The 4-byte little-endian number at I in B."
  (logior (aref b i) (ash (aref b (+ i 1)) 8)
          (ash (aref b (+ i 2)) 16) (ash (aref b (+ i 3)) 24)))

(defun anvillm-9p--getstr (b i)
  "The counted string at I in B, decoded from UTF-8."
  (decode-coding-string (substring b (+ i 2) (+ i 2 (anvillm-9p--get16 b i))) 'utf-8 t))

(defun anvillm-9p--frame (type tag body)
  "One message of TYPE and TAG around BODY (a unibyte string)."
  (concat (anvillm-9p--u32 (+ 7 (length body))) (unibyte-string type)
          (anvillm-9p--u16 tag) body))

(defun anvillm-9p--take-frames (in)
  "Where the whole messages at the head of the bytes IN are, as (SPANS . REST).
SPANS are (START . END) positions in IN; a stream socket hands data over in
pieces of any size, so a message may arrive split anywhere: what is left of
an incomplete one is REST."
  (let ((spans nil) (pos 0) (len (length in)))
    (while (and (>= (- len pos) 4)
                (<= (+ pos (anvillm-9p--get32 in pos)) len))
      (let ((size (anvillm-9p--get32 in pos)))
        (when (< size 7)
          (error "Malformed 9P message of %d bytes" size))
        (push (cons pos (+ pos size)) spans)
        (setq pos (+ pos size))))
    (cons (nreverse spans) (if (= pos 0) in (substring in pos)))))

(defun anvillm-9p-lines (state bytes)
  "Add BYTES to the partial line in STATE; return the whole lines decoded.
STATE is a cons whose car holds the bytes after the last newline; the
result is a list of lines without their newlines."
  (let* ((all (concat (car state) bytes))
         (last (cl-position ?\n all :from-end t)))
    (if (null last)
        (progn (setcar state all) nil)
      (setcar state (substring all (1+ last)))
      (split-string (decode-coding-string (substring all 0 last) 'utf-8 t) "\n"))))

;;;; Connections

(cl-defstruct (anvillm-9p-conn (:constructor anvillm-9p--make-conn)
                               (:copier nil))
  "A connection to a 9P server."
  process socket (msize 8192) (in nil) (have 0) (need 4) (pending (make-hash-table)) (next-tag 0)
  (next-fid 1) (free-fids nil) (root 0) (closed nil) (on-close nil))

(cl-defstruct (anvillm-9p-op (:constructor anvillm-9p--make-op)
                             (:copier nil))
  "One operation in flight: its current request's tag, and its fid."
  conn tag fid (cancelled nil) (done nil) timer)

(defun anvillm-9p--not-answering (socket why)
  "The line to show when the daemon on SOCKET cannot be reached, and WHY."
  (format "daemon not answering on %s (%s); start it with: anvilsrv start" socket why))

(defun anvillm-9p-live-p (conn)
  "Non-nil when CONN is open."
  (and conn (not (anvillm-9p-conn-closed conn))
       (process-live-p (anvillm-9p-conn-process conn))))

(defun anvillm-9p--tag (conn)
  "A tag not in flight on CONN."
  (let ((pending (anvillm-9p-conn-pending conn))
        (tag (anvillm-9p-conn-next-tag conn)))
    (while (gethash tag pending)
      (setq tag (% (1+ tag) anvillm-9p--notag)))
    (setf (anvillm-9p-conn-next-tag conn) (% (1+ tag) anvillm-9p--notag))
    tag))

(defun anvillm-9p--fid (conn)
  "A fid not in use on CONN."
  (or (pop (anvillm-9p-conn-free-fids conn))
      (prog1 (anvillm-9p-conn-next-fid conn)
        (cl-incf (anvillm-9p-conn-next-fid conn)))))

(defun anvillm-9p--send (conn type tag body callback)
  "Send message TYPE with TAG and BODY on CONN; CALLBACK gets (ERR REPLY-BODY)."
  (if (not (anvillm-9p-live-p conn))
      (funcall callback (anvillm-9p--not-answering (anvillm-9p-conn-socket conn)
                                                   "connection closed")
               nil)
    (puthash tag callback (anvillm-9p-conn-pending conn))
    (condition-case e
        (process-send-string (anvillm-9p-conn-process conn)
                             (anvillm-9p--frame type tag body))
      (error (remhash tag (anvillm-9p-conn-pending conn))
             (funcall callback (anvillm-9p--not-answering
                                (anvillm-9p-conn-socket conn) (error-message-string e))
                      nil)))))

(defun anvillm-9p--rpc (conn type body callback &optional op)
  "Send TYPE with BODY on CONN under a new tag; CALLBACK gets (ERR REPLY-BODY).
When OP is given, its tag is set so that it can be flushed."
  (let ((tag (anvillm-9p--tag conn)))
    (when op (setf (anvillm-9p-op-tag op) tag))
    (anvillm-9p--send conn type tag body
                      (lambda (err body)
                        (when op (setf (anvillm-9p-op-tag op) nil))
                        (funcall callback err body)))))

(defconst anvillm-9p--gc-cons-threshold (* 16 1024 1024)
  "The `gc-cons-threshold' while messages are taken apart and answered.
A batch of 64 KiB messages then costs at most one collection, after it,
not one every few messages.  What saves most is copying less: see
`anvillm-9p--filter'.")

(defun anvillm-9p--filter (conn chunk)
  "Add CHUNK to what CONN received, and answer every whole message in it.
The pieces of a message are only joined once it is whole: joining each
piece to the ones before would copy a 64 KiB message many times over."
  (push (if (multibyte-string-p chunk) (string-to-unibyte chunk) chunk)
        (anvillm-9p-conn-in conn))
  (cl-incf (anvillm-9p-conn-have conn) (length chunk))
  (when (and (= (anvillm-9p-conn-need conn) 4) (>= (anvillm-9p-conn-have conn) 4))
    (anvillm-9p--join conn))
  (when (>= (anvillm-9p-conn-have conn) (anvillm-9p-conn-need conn))
    (let* ((gc-cons-threshold (max gc-cons-threshold anvillm-9p--gc-cons-threshold))
           (in (anvillm-9p--join conn))
           (taken (anvillm-9p--take-frames in))
           (pending (anvillm-9p-conn-pending conn)))
      (anvillm-9p--keep conn (cdr taken))
      (dolist (span (car taken))
        (let* ((type (aref in (+ (car span) 4)))
               (tag (anvillm-9p--get16 in (+ (car span) 5)))
               (callback (gethash tag pending))
               (body (substring in (+ (car span) 7) (cdr span))))
          (remhash tag pending)
          (when callback
            (condition-case e
                (if (= type anvillm-9p--rerror)
                    (funcall callback (anvillm-9p--getstr body 0) nil)
                  (funcall callback nil body))
              (error (message "anvillm: %s" (error-message-string e))))))))))

(defun anvillm-9p--join (conn)
  "Join the bytes CONN received into one string, kept as its only piece."
  (let ((in (anvillm-9p-conn-in conn)))
    (if (cdr in)
        (anvillm-9p--keep conn (apply #'concat (nreverse in)))
      (anvillm-9p--keep conn (or (car in) "")))))

(defun anvillm-9p--keep (conn bytes)
  "Keep BYTES as all CONN received; return them.
Learn from their head how many bytes the next message needs."
  (setf (anvillm-9p-conn-in conn) (and (> (length bytes) 0) (list bytes))
        (anvillm-9p-conn-have conn) (length bytes)
        (anvillm-9p-conn-need conn) (if (>= (length bytes) 4) (anvillm-9p--get32 bytes 0) 4))
  bytes)

(defun anvillm-9p--sentinel (conn)
  "Fail everything in flight on CONN once it closed, then run its close hooks."
  (unless (anvillm-9p-conn-closed conn)
    (setf (anvillm-9p-conn-closed conn) t)
    (let ((why (anvillm-9p--not-answering (anvillm-9p-conn-socket conn) "connection closed"))
          (callbacks nil))
      (maphash (lambda (_ cb) (push cb callbacks)) (anvillm-9p-conn-pending conn))
      (clrhash (anvillm-9p-conn-pending conn))
      (dolist (cb callbacks)
        (condition-case e (funcall cb why nil)
          (error (message "anvillm: %s" (error-message-string e)))))
      (dolist (hook (anvillm-9p-conn-on-close conn))
        (condition-case e (funcall hook why)
          (error (message "anvillm: %s" (error-message-string e))))))))

(defun anvillm-9p-connect (&optional socket)
  "Dial SOCKET (default the agent socket of the name space) and attach.
Return the connection, or signal an error whose message says why."
  (setq socket (or socket (anvillm-9p-socket)))
  ;; Reads of 64 KiB come in fewer pieces.
  (when (< read-process-output-max anvillm-9p-msize)
    (setq read-process-output-max anvillm-9p-msize))
  (let* ((conn (anvillm-9p--make-conn :socket socket))
         (proc (condition-case e
                   (make-network-process
                    :name "anvillm-9p" :family 'local :service socket
                    :coding 'binary :noquery t
                    :filter (lambda (_ chunk) (anvillm-9p--filter conn chunk))
                    :sentinel (lambda (_ _event) (anvillm-9p--sentinel conn)))
                 (file-error
                  (error "%s" (anvillm-9p--not-answering
                               socket (or (car (last e)) "cannot connect")))))))
    (set-process-query-on-exit-flag proc nil)
    (setf (anvillm-9p-conn-process conn) proc)
    (condition-case e
        (progn
          (let ((rversion (anvillm-9p-sync
                           (lambda (cb)
                             (anvillm-9p--send conn anvillm-9p--tversion anvillm-9p--notag
                                               (concat (anvillm-9p--u32 anvillm-9p-msize)
                                                       (anvillm-9p--str "9P2000"))
                                               cb))
                           10 conn)))
            (setf (anvillm-9p-conn-msize conn)
                  (min anvillm-9p-msize (anvillm-9p--get32 rversion 0))))
          (anvillm-9p-sync
           (lambda (cb)
             (anvillm-9p--rpc conn anvillm-9p--tattach
                              (concat (anvillm-9p--u32 0) (anvillm-9p--u32 anvillm-9p--nofid)
                                      (anvillm-9p--str (user-login-name)) (anvillm-9p--str ""))
                              cb))
           10 conn)
          conn)
      (error (anvillm-9p-close conn)
             (signal (car e) (cdr e))))))

(defun anvillm-9p-close (conn)
  "Hang up CONN; what is in flight fails."
  (when (and conn (anvillm-9p-conn-process conn))
    (delete-process (anvillm-9p-conn-process conn))
    (anvillm-9p--sentinel conn)))

(defun anvillm-9p-add-close-hook (conn fn)
  "Call FN with the reason when CONN closes."
  (push fn (anvillm-9p-conn-on-close conn)))

;;;; Waiting

(defun anvillm-9p-sync (start &optional timeout conn)
  "Call START with a callback, and wait until it is called; return its value.
Signal an error with the callback's error, or when TIMEOUT seconds (default
`anvillm-9p-timeout') pass first.  Given CONN, wait on its socket alone
\(a wait on every process returns later)."
  (let ((done nil) (err nil) (value nil)
        (deadline (+ (float-time) (or timeout anvillm-9p-timeout))))
    (funcall start (lambda (e v) (setq done t err e value v)))
    (while (and (not done) (< (float-time) deadline))
      (accept-process-output (and conn (anvillm-9p-live-p conn) (anvillm-9p-conn-process conn))
                             0.02 nil (and conn t)))
    (cond ((not done) (error "Timed out after %s s" (or timeout anvillm-9p-timeout)))
          (err (error "%s" err))
          (t value))))

;;;; Operations

(defun anvillm-9p--finish (op callback err value)
  "End OP once: clunk its fid, then call CALLBACK with ERR and VALUE."
  (unless (anvillm-9p-op-done op)
    (setf (anvillm-9p-op-done op) t)
    (when (anvillm-9p-op-timer op) (cancel-timer (anvillm-9p-op-timer op)))
    (let ((conn (anvillm-9p-op-conn op))
          (fid (anvillm-9p-op-fid op)))
      (if (not (and fid (anvillm-9p-live-p conn)))
          (unless (anvillm-9p-op-cancelled op) (funcall callback err value))
        (setf (anvillm-9p-op-fid op) nil)
        ;; `in', `context' and `alias' commit at clunk: its error is the write's.
        (anvillm-9p--rpc conn anvillm-9p--tclunk (anvillm-9p--u32 fid)
                         (lambda (cerr _)
                           (push fid (anvillm-9p-conn-free-fids conn))
                           (unless (anvillm-9p-op-cancelled op)
                             (funcall callback (or err cerr) value))))))))

(defun anvillm-9p-cancel (op)
  "Stop OP: flush its request in flight, clunk its fid; its callback is not called."
  (when (and op (not (anvillm-9p-op-done op)))
    (setf (anvillm-9p-op-cancelled op) t)
    (let ((conn (anvillm-9p-op-conn op))
          (tag (anvillm-9p-op-tag op)))
      (if (not (and tag (anvillm-9p-live-p conn)))
          (anvillm-9p--finish op #'ignore nil nil)
        ;; The flushed request gets no reply; its tag is free once Rflush comes.
        (puthash tag #'ignore (anvillm-9p-conn-pending conn))
        (anvillm-9p--rpc conn anvillm-9p--tflush (anvillm-9p--u16 tag)
                         (lambda (_ _)
                           (remhash tag (anvillm-9p-conn-pending conn))
                           (anvillm-9p--finish op #'ignore nil nil)))))))

(defun anvillm-9p--start-op (conn path mode timeout callback then)
  "Walk to PATH on CONN and open it with MODE, then call THEN with the op.
CALLBACK gets (ERR nil) when that fails; with TIMEOUT the op is flushed
after that many seconds.  Return the op."
  (let* ((op (anvillm-9p--make-op :conn conn))
         (names (split-string path "/" t))
         (fid (and (anvillm-9p-live-p conn) (anvillm-9p--fid conn))))
    (when timeout
      (setf (anvillm-9p-op-timer op)
            (run-at-time timeout nil
                         (lambda ()
                           (unless (anvillm-9p-op-done op)
                             (anvillm-9p-cancel op)
                             (funcall callback (format "agent/%s: no answer within %s s" path timeout)
                                      nil))))))
    (anvillm-9p--rpc
     conn anvillm-9p--twalk
     (concat (anvillm-9p--u32 (anvillm-9p-conn-root conn)) (anvillm-9p--u32 (or fid 0))
             (anvillm-9p--u16 (length names)) (mapconcat #'anvillm-9p--str names ""))
     (lambda (err body)
       (cond
        ((anvillm-9p-op-cancelled op))
        ((or err (/= (anvillm-9p--get16 body 0) (length names)))
         (when fid (push fid (anvillm-9p-conn-free-fids conn)))
         (anvillm-9p--finish op callback (anvillm-9p--walk-error path err) nil))
        (t
         (setf (anvillm-9p-op-fid op) fid)
         (anvillm-9p--rpc conn anvillm-9p--topen
                          (concat (anvillm-9p--u32 fid) (unibyte-string mode))
                          (lambda (err _)
                            (cond ((anvillm-9p-op-cancelled op))
                                  (err (anvillm-9p--finish op callback err nil))
                                  (t (funcall then op))))
                          op))))
     op)
    op))

(defun anvillm-9p--walk-error (path err)
  "The line to show when the walk to PATH failed with ERR (nil: partway)."
  (cond ((and err (not (string= err "file does not exist"))) err)
        ((and (null err) (string-match "\\`\\([^/]+\\)/" path))
         (format "the daemon has no agent/%s; update and restart it" path))
        ((string-match "\\`\\([^/]+\\)/" path)
         (format "no session '%s' (see agent/list)" (match-string 1 path)))
        (t (format "agent/%s: file does not exist" path))))

(defun anvillm-9p-stream (conn path on-data callback &optional timeout on-open start)
  "Read PATH on CONN to its end, calling ON-DATA with each piece of bytes.
A read at the end that blocks simply waits: the others go on.  CALLBACK
gets (ERR nil) once the file ends or the read fails.  With TIMEOUT, give up
after that many seconds; ON-OPEN is called once the file is open; START is
the byte offset to read from (default 0).  Return the op (see
`anvillm-9p-cancel')."
  (anvillm-9p--start-op
   conn path 0 timeout callback
   (lambda (op)
     (when on-open (funcall on-open))
     (let ((offset (or start 0))
           (count (- (anvillm-9p-conn-msize conn) anvillm-9p--iohdrsz))
           (fid (anvillm-9p-op-fid op)))
       (cl-labels ((next ()
                     (anvillm-9p--rpc
                      conn anvillm-9p--tread
                      (concat (anvillm-9p--u32 fid) (anvillm-9p--u64 offset) (anvillm-9p--u32 count))
                      (lambda (err body)
                        (cond ((anvillm-9p-op-cancelled op))
                              (err (anvillm-9p--finish op callback err nil))
                              (t (let ((n (anvillm-9p--get32 body 0)))
                                   (if (= n 0)
                                       (anvillm-9p--finish op callback nil nil)
                                     (setq offset (+ offset n))
                                     (funcall on-data (substring body 4 (+ 4 n)))
                                     (unless (anvillm-9p-op-cancelled op) (next)))))))
                      op)))
         (next))))))

(defun anvillm-9p-read (conn path callback &optional timeout)
  "Read PATH on CONN whole; CALLBACK gets (ERR TEXT), TEXT decoded from UTF-8.
TIMEOUT defaults to `anvillm-9p-timeout'; `none' waits for as long as it
takes (for a file whose read blocks, like a reply).  Return the op."
  (let ((pieces nil))
    (anvillm-9p-stream conn path (lambda (b) (push b pieces))
                       (lambda (err _)
                         (funcall callback err
                                  (and (null err)
                                       (decode-coding-string
                                        (apply #'concat (nreverse pieces)) 'utf-8 t))))
                       (cond ((eq timeout 'none) nil) (timeout) (t anvillm-9p-timeout)))))

(defun anvillm-9p-write (conn path text callback &optional read-back)
  "Write TEXT to PATH on CONN through one fid, then clunk it.
The text is encoded to UTF-8 and sent as one write, in as many Twrites
as the message size needs: files that take whole content commit it at the
clunk.  CALLBACK gets (ERR nil); with READ-BACK, (ERR TEXT) where TEXT is
what a read of the same fid then returns (the id after `new' on ctl)."
  (let ((data (encode-coding-string text 'utf-8 t)))
    (anvillm-9p--start-op
     conn path (if read-back 2 1) anvillm-9p-timeout callback
     (lambda (op)
       (let ((offset 0)
             (count (- (anvillm-9p-conn-msize conn) anvillm-9p--iohdrsz))
             (fid (anvillm-9p-op-fid op)))
         (cl-labels
             ((read-back ()
                (anvillm-9p--rpc
                 conn anvillm-9p--tread
                 (concat (anvillm-9p--u32 fid) (anvillm-9p--u64 0) (anvillm-9p--u32 256))
                 (lambda (err body)
                   (anvillm-9p--finish
                    op callback err
                    (and body (decode-coding-string
                               (substring body 4 (+ 4 (anvillm-9p--get32 body 0))) 'utf-8 t))))
                 op))
              (next ()
                (if (and (>= offset (length data)) (> offset 0))
                    (if read-back (read-back) (anvillm-9p--finish op callback nil nil))
                  (let ((piece (substring data offset (min (length data) (+ offset count)))))
                    (anvillm-9p--rpc
                     conn anvillm-9p--twrite
                     (concat (anvillm-9p--u32 fid) (anvillm-9p--u64 offset)
                             (anvillm-9p--u32 (length piece)) piece)
                     (lambda (err body)
                       (cond ((anvillm-9p-op-cancelled op))
                             (err (anvillm-9p--finish op callback err nil))
                             ((= (length piece) 0)
                              (if read-back (read-back) (anvillm-9p--finish op callback nil nil)))
                             (t (setq offset (+ offset (anvillm-9p--get32 body 0)))
                                (next))))
                     op)))))
           (next)))))))

;;;; Ctl words

(defun anvillm-9p-quote (word)
  "Quote WORD for a ctl line: the daemon's parser takes it as one word.
\\='...\\=' or \"...\" hold blanks, with no escapes inside, and quoted parts may
touch (so it\\='s is written \\='it\\='\"\\='\"\\='s\\=')."
  (if (and (not (string-empty-p word))
           (not (string-match-p "[[:space:]'\"]" word)))
      word
    (let ((out "") (i 0) (n (length word)))
      (while (or (< i n) (string-empty-p out))
        (if (and (< i n) (eq (aref word i) ?'))
            (let ((j i))
              (while (and (< j n) (eq (aref word j) ?')) (setq j (1+ j)))
              (setq out (concat out "\"" (substring word i j) "\"") i j))
          (let ((j (or (cl-position ?' word :start i) n)))
            (setq out (concat out "'" (substring word i j) "'") i j))))
      out)))

(provide 'anvillm-9p)
;;; anvillm-9p.el ends here
