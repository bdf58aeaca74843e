package dev.anvillm.ninep.client;

/**
 * A walk stopped early: the server walked fewer names than asked (plan9port's
 * {@code file 'big/x' not found}).
 */
public final class NotFoundException extends NinepException {
    private final String path;

    public NotFoundException(String path) {
        super("file '" + path + "' not found");
        this.path = path;
    }

    public String path() {
        return path;
    }
}
