package dev.anvillm.ninep.client;

/** The server answered Rerror; the message is its ename, unchanged. */
public final class RerrorException extends NinepException {
    private final String ename;

    public RerrorException(String ename) {
        super(ename);
        this.ename = ename;
    }

    public String ename() {
        return ename;
    }
}
