package dev.anvillm.ninep.client;

import java.io.IOException;

/** A 9P exchange failed: the server said no, the connection broke, or the server broke the protocol. */
public class NinepException extends IOException {
    public NinepException(String message) {
        super(message);
    }

    public NinepException(String message, Throwable cause) {
        super(message, cause);
    }
}
