package dev.anvillm.srv.session;

import dev.anvillm.srv.backend.BackendSpec;
import dev.anvillm.srv.backend.Backends;
import dev.anvillm.srv.host.Tmux;
import dev.anvillm.srv.store.SessionRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The registry: sessions by id in creation order, and their aliases. */
public final class Sessions {
    private static final System.Logger LOG = System.getLogger("anvilsrv");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Backends backends;
    private final SessionServices svc;
    private final Map<String, Session> byId = new LinkedHashMap<>();

    public Sessions(Backends backends, SessionServices svc) {
        this.backends = backends;
        this.svc = svc;
    }

    public Backends backends() {
        return backends;
    }

    public SessionServices services() {
        return svc;
    }

    public synchronized List<Session> list() {
        return new ArrayList<>(byId.values());
    }

    public synchronized int size() {
        return byId.size();
    }

    /** By id, or by alias. */
    public synchronized Optional<Session> find(String name) {
        Session s = byId.get(name);
        if (s != null) return Optional.of(s);
        for (Session x : byId.values()) if (name.equals(x.alias())) return Optional.of(x);
        return Optional.empty();
    }

    /** `list`: id, alias or -, state, pid or 0, cwd; oldest first. */
    public String listText() {
        StringBuilder sb = new StringBuilder();
        for (Session s : list()) {
            sb.append(s.id()).append('\t').append(s.alias() == null ? "-" : s.alias()).append('\t')
                    .append(s.state().word()).append('\t').append(s.pid()).append('\t').append(s.cwd()).append('\n');
        }
        return sb.toString();
    }

    /** `new`: checks everything, records the session, launches it; returns it in `starting`. */
    public Session create(String backendName, Path dir, String alias) throws SessionException {
        BackendSpec spec = backends.get(backendName).orElseThrow(() -> new SessionException(
                "unknown backend '" + backendName + "'; known: " + String.join(" ", backends.names())));
        Optional<String> why = backends.unavailable(spec);
        if (why.isPresent()) throw new SessionException("backend " + backendName + " cannot start here: " + why.get());
        if (!Files.exists(dir)) throw new SessionException("no such directory: " + dir);
        if (!Files.isDirectory(dir)) throw new SessionException("not a directory: " + dir);
        Session s;
        synchronized (this) {
            String a = alias == null ? null : checkAlias(alias, null);
            String id;
            do {
                id = HexFormat.of().formatHex(randomBytes());
            } while (byId.containsKey(id));
            SessionRecord r = new SessionRecord(id, a, spec.name(), dir.toString(), System.currentTimeMillis(), null, null,
                    false, "", false, 0, id, false, null, List.of(), false);
            try {
                svc.store().create(r);
                s = new Session(r, spec, svc);
            } catch (IOException e) {
                svc.store().delete(id);
                throw new SessionException("cannot record the session: " + e.getMessage());
            }
            byId.put(id, s);
        }
        svc.events().event(s.id(), "created", spec.name() + " " + dir);
        try {
            s.create();
        } catch (SessionException e) {
            // a session that cannot even start (a sandbox that cannot be enforced, tmux missing) is not kept
            kill(s);
            throw new SessionException(e.getMessage().replaceFirst("^session [0-9a-f]{8}: ", ""));
        }
        return s;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b);
        return b;
    }

    /**
     * The alias rules: surrounding white space trimmed; 1–64 of [A-Za-z0-9_-]; not shaped like an
     * id; unique. Returns the cleaned alias, or null for "clear".
     */
    private String checkAlias(String raw, Session self) throws SessionException {
        String a = raw.strip();
        if (a.isEmpty()) return null;
        if (!Alias.valid(a)) {
            throw new SessionException("bad alias \"" + (a.length() > 32 ? a.substring(0, 32) + "..." : a) + "\": " + Alias.RULE);
        }
        for (Session x : byId.values()) {
            if (x != self && a.equals(x.alias())) throw new SessionException("alias \"" + a + "\" is taken by session " + x.id());
        }
        return a;
    }

    public void setAlias(Session s, String raw) throws SessionException {
        String a;
        synchronized (this) {
            a = checkAlias(raw, s);
        }
        s.setAlias(a);
    }

    public void kill(Session s) throws SessionException {
        s.kill();
        synchronized (this) {
            byId.remove(s.id());
        }
        svc.events().event(s.id(), "killed", "");
    }

    /**
     * After a daemon start: every recorded session comes back. Live tmux windows are adopted
     * (same pid, not restarted); the others restart per policy unless stopped.
     */
    public void restore() throws IOException {
        long t0 = System.nanoTime();
        List<Thread> adopting = new ArrayList<>();
        Map<String, Tmux.Pane> panes = new LinkedHashMap<>();
        for (Tmux.Pane p : svc.tmux().panes()) panes.put(p.session(), p);
        for (SessionRecord r : svc.store().loadAll()) {
            Optional<BackendSpec> spec = backends.get(r.backend());
            if (spec.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "session {0}: backend {1} is no longer configured; skipped", r.id(), r.backend());
                continue;
            }
            Session s;
            try {
                s = new Session(r, spec.get(), svc);
            } catch (IOException | RuntimeException e) {
                // one unreadable session must not keep the daemon, and the others, from starting
                LOG.log(System.Logger.Level.ERROR, "session {0} is not restored: {1}", r.id(), String.valueOf(e.getMessage()));
                continue;
            }
            synchronized (this) {
                byId.put(r.id(), s);
            }
            Tmux.Pane p = panes.get(r.id());
            // each on its own actor, side by side: a start with many sessions waits for the slowest, not the sum
            adopting.add(Thread.ofVirtual().name("adopt-" + r.id()).start(() -> {
                try {
                    s.adopt(p != null && !p.dead(), p == null ? 0 : p.pid());
                } catch (SessionException e) {
                    LOG.log(System.Logger.Level.WARNING, "session {0}: {1}", r.id(), e.getMessage());
                }
            }));
        }
        try {
            for (Thread t : adopting) t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while restoring sessions");
        }
        Map<State, Integer> by = new java.util.EnumMap<>(State.class);
        for (Session s : list()) by.merge(s.state(), 1, Integer::sum);
        // "restored 3 sessions in 40 ms (idle 2, stopped 1)"; with none, no empty brackets
        StringBuilder states = new StringBuilder();
        by.forEach((st, n) -> states.append(states.isEmpty() ? " (" : ", ").append(st.word()).append(' ').append(n));
        if (!states.isEmpty()) states.append(')');
        LOG.log(System.Logger.Level.INFO, "restored {0} sessions in {1} ms{2}", String.valueOf(size()),
                String.valueOf((System.nanoTime() - t0) / 1_000_000), states.toString());
    }

    /**
     * The safety net behind the exit watch: every few seconds, compare each live session with
     * what tmux lists (a dead pane, or none at all when the tmux server was killed).
     */
    public void sweep() {
        long listedAt = System.nanoTime();
        Map<String, Tmux.Pane> panes = new LinkedHashMap<>();
        try {
            for (Tmux.Pane p : svc.tmux().panes()) panes.put(p.session(), p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "sweep: cannot list tmux panes: {0}", e.getMessage());
            return;
        }
        for (Session s : list()) s.sweep(panes.get(s.id()), listedAt);
    }

    /** Backend pid → session id, for deciding whether a peer runs inside a session. */
    public Map<Integer, String> pids() {
        Map<Integer, String> m = new java.util.HashMap<>();
        for (Session s : list()) if (s.pid() > 0) m.put(s.pid(), s.id());
        return m;
    }

    /** Stops every session (anvilsrv stop --sessions). */
    public void stopAll() {
        for (Session s : list()) {
            try {
                if (s.state().live()) s.stop();
            } catch (SessionException e) {
                LOG.log(System.Logger.Level.WARNING, "session {0}: {1}", s.id(), e.getMessage());
            }
        }
    }
}
