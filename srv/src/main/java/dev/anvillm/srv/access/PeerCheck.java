package dev.anvillm.srv.access;

import dev.anvillm.ninep.server.Access;
import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.ninep.server.Peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Decides who a peer is from SO_PEERCRED and /proc. Another uid is refused (root excepted).
 * A peer is an agent when its NoNewPrivs is set while the daemon's is not (every sandboxed
 * backend runs with it, and it survives setsid, double forks and exec), or when it descends
 * from a session's backend process.
 */
public final class PeerCheck implements Access {
    private final int daemonUid;
    private final boolean daemonNoNewPrivs;
    private final Supplier<Map<Integer, String>> sessionPids;
    private final Path proc;

    /** @param sessionPids backend pid → session id, for the live sessions */
    public PeerCheck(int daemonUid, Supplier<Map<Integer, String>> sessionPids) {
        this(daemonUid, sessionPids, Path.of("/proc"));
    }

    PeerCheck(int daemonUid, Supplier<Map<Integer, String>> sessionPids, Path proc) {
        this.daemonUid = daemonUid;
        this.sessionPids = sessionPids;
        this.proc = proc;
        this.daemonNoNewPrivs = "1".equals(statusField(proc.resolve("self/status"), "NoNewPrivs"));
    }

    @Override
    public Object admit(Peer peer) throws NinepException {
        if (peer.uid() != daemonUid && peer.uid() != 0) {
            throw new NinepException("connection refused: uid " + peer.uid() + " is not the daemon's user");
        }
        Map<Integer, String> sessions = sessionPids.get();
        String session = ancestorSession(peer.pid(), sessions);
        boolean nnp = "1".equals(statusField(proc.resolve(peer.pid() + "/status"), "NoNewPrivs"));
        if (session != null || (nnp && !daemonNoNewPrivs)) return new Principal.Agent(peer.pid(), session);
        return new Principal.User(peer.pid());
    }

    /** The session whose backend {@code pid} is or descends from, or null. */
    String ancestorSession(int pid, Map<Integer, String> sessions) {
        int p = pid;
        for (int depth = 0; p > 1 && depth < 64; depth++) {
            String s = sessions.get(p);
            if (s != null) return s;
            String ppid = statusField(proc.resolve(p + "/status"), "PPid");
            if (ppid == null) return null;
            try {
                p = Integer.parseInt(ppid);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    static String statusField(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field + ":")) return line.substring(field.length() + 1).strip();
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
