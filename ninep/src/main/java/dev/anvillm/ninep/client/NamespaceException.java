package dev.anvillm.ninep.client;

import java.io.IOException;

/** The name space directory cannot be found or is not safe to use; the message says which. */
public final class NamespaceException extends IOException {
    public NamespaceException(String message) {
        super(message);
    }
}
