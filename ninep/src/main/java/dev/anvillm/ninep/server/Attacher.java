package dev.anvillm.ninep.server;

/** Gives the root a Tattach reaches; may refuse an aname. */
@FunctionalInterface
public interface Attacher {
    Node attach(Object principal, String uname, String aname) throws NinepException;
}
