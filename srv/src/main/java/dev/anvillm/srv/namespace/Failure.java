package dev.anvillm.srv.namespace;

/**
 * Something the user must hear about: the message is the whole line printed on stderr (no stack
 * trace), so it says what went wrong and what to do next.
 */
public final class Failure extends Exception {
    public Failure(String line) {
        super(line, null, false, false);
    }

    public Failure(String line, Throwable cause) {
        super(line, cause, false, false);
    }
}
