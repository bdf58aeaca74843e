package dev.anvillm.ninep.server;

/** The process at the other end of a connection, from SO_PEERCRED. */
public record Peer(int pid, int uid, int gid) {
    @Override
    public String toString() {
        return "pid " + pid + " uid " + uid;
    }
}
