package dev.anvillm.ninep.proto;

/** A frame that is not a well-formed 9P2000 message; the message says what is wrong with it. */
public final class DecodeException extends Exception {
    public DecodeException(String reason) {
        super(reason);
    }
}
