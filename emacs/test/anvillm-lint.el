;;; anvillm-lint.el --- Byte-compile, checkdoc and package-lint the mode -*- lexical-binding: t; -*-

;;; Commentary:

;; emacs --batch -l test/anvillm-lint.el DIR: copies anvillm*.el from the
;; directory above this file into DIR, byte-compiles them there with
;; warnings as errors, runs checkdoc and package-lint on them, and exits 1
;; when anything was said.

;;; Code:

(require 'checkdoc)
(require 'package)
(package-initialize)
(require 'package-lint)

(defvar anvillm-lint--problems 0)

(let* ((src (file-name-directory (directory-file-name (file-name-directory load-file-name))))
       (dir (file-name-as-directory (expand-file-name (car command-line-args-left))))
       (files (mapcar (lambda (f) (expand-file-name f dir)) '("anvillm-9p.el" "anvillm.el"))))
  (setq command-line-args-left nil)
  (make-directory dir t)
  (dolist (f files)
    (copy-file (expand-file-name (file-name-nondirectory f) src) f t))
  (add-to-list 'load-path dir)
  (setq byte-compile-error-on-warn t)
  (dolist (f files)
    (unless (byte-compile-file f)
      (message "lint: %s does not byte-compile cleanly" f)
      (cl-incf anvillm-lint--problems)))
  (dolist (f files)
    (with-current-buffer (find-file-noselect f)
      ;; checkdoc says what it finds in *Warnings*-like buffers; count through its hook
      (let ((checkdoc-create-error-function
             (lambda (text start _end &optional _unfixable)
               (message "checkdoc: %s:%d: %s" (file-name-nondirectory f) (line-number-at-pos start) text)
               (cl-incf anvillm-lint--problems)
               nil)))
        (checkdoc-current-buffer t))
      (dolist (p (package-lint-buffer))
       ;; package-lint 0.16 (Debian's) predates Emacs 28 and calls it unreleased
       (unless (and (string-prefix-p "This makes the package uninstallable" (nth 3 p))
                    (>= emacs-major-version 28))
        (message "package-lint: %s:%d:%d: %s: %s" (file-name-nondirectory f)
                 (nth 0 p) (nth 1 p) (nth 2 p) (nth 3 p))
        (cl-incf anvillm-lint--problems)))))
  (message "lint: %d problems" anvillm-lint--problems)
  (kill-emacs (if (= 0 anvillm-lint--problems) 0 1)))

;;; anvillm-lint.el ends here
