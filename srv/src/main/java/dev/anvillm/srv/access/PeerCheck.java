package dev.anvillm.srv.access;

import dev.anvillm.ninep.server.Access;
import dev.anvillm.ninep.server.Admission;
import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.ninep.server.Peer;
import dev.anvillm.ninep.server.ServerLimits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Decides who a peer is from SO_PEERCRED and /proc. Another uid is refused (root excepted).
 * A peer is an agent when its NoNewPrivs is set while the daemon's is not (every sandboxed
 * backend runs with it, and it survives setsid, double forks and exec), or when it descends
 * from a session's backend process.
 *
 * <p>It also shares the socket's room: the user's own clients have theirs ({@link #USER}), and
 * agents, which any prompt can make open connections, share another: all of them together at
 * most {@link #AGENTS_TOGETHER} connections, one session's at most {@link #PER_SESSION}, each
 * holding fewer fids and requests in flight ({@link #AGENT}). An agent opening thousands of
 * connections is refused past its share; the user's {@code 9p}, TUI and web UI still get in, and
 * so do the other sessions' agents.
 */
public final class PeerCheck implements Access, Admission {
    /** The user's clients: up to 256 connections, each with the server's full limits. */
    public static final ServerLimits USER = ServerLimits.DEFAULT;
    /** One agent connection: as large messages, fewer fids (512) and requests in flight (64). */
    public static final ServerLimits AGENT = new ServerLimits(USER.maxMsize(), 512, 128, 64);
    public static final int AGENTS_TOGETHER = 128;
    public static final int PER_SESSION = 32;
    private static final String NO_SESSION = "";

    private int users;
    private int agents;
    private final Map<String, Integer> bySession = new HashMap<>();
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

    @Override
    public synchronized ServerLimits open(Object principal) {
        if (principal instanceof Principal.Agent a) {
            String s = a.session() == null ? NO_SESSION : a.session();
            int mine = bySession.getOrDefault(s, 0);
            if (agents >= AGENTS_TOGETHER || mine >= PER_SESSION) return null;
            agents++;
            bySession.put(s, mine + 1);
            return AGENT;
        }
        if (users >= USER.maxConnections()) return null;
        users++;
        return USER;
    }

    @Override
    public synchronized void closed(Object principal) {
        if (principal instanceof Principal.Agent a) {
            String s = a.session() == null ? NO_SESSION : a.session();
            agents--;
            bySession.computeIfPresent(s, (k, n) -> n <= 1 ? null : n - 1);
        } else {
            users--;
        }
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
