package dev.anvillm.client;

import java.io.IOException;

/** A call on the tree failed; the message is one line a person can act on (the daemon's own, when it said no). */
public final class ClientException extends IOException {
    public ClientException(String message) {
        super(message);
    }

    public ClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
