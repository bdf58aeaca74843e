package dev.anvillm.ninep.server;

/**
 * A request that fails with a 9P error string (Rerror). Handlers throw it; the framework answers.
 * Messages are short, lower case, under 128 bytes: the classic Plan 9 ones where they apply.
 */
public final class NinepException extends Exception {
    public static final String NOT_FOUND = "file does not exist";
    public static final String PERMISSION = "permission denied";
    public static final String IS_DIR = "is a directory";
    public static final String NOT_DIR = "not a directory";
    public static final String BAD_FID = "bad fid";
    public static final String FID_IN_USE = "fid in use";
    public static final String NOT_OPEN = "fid not open";
    public static final String ALREADY_OPEN = "fid already open";
    public static final String BAD_OFFSET = "bad offset in directory read";
    public static final String NO_AUTH = "authentication not required";

    public NinepException(String message) {
        super(message, null, false, false);
    }

    public static NinepException notFound() { return new NinepException(NOT_FOUND); }

    public static NinepException permission() { return new NinepException(PERMISSION); }
}
