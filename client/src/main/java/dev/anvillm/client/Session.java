package dev.anvillm.client;

import java.util.ArrayList;
import java.util.List;

/**
 * One session as {@code list} shows it, plus its backend (from {@code info} or the
 * {@code created} event; null until known).
 *
 * @param alias null when the session has none
 * @param pid   0 when no process runs
 */
public record Session(String id, String alias, State state, long pid, String cwd, String backend) {
    /** The alias when there is one, else the id: how a person names it. */
    public String name() {
        return alias == null ? id : alias;
    }

    public Session withState(State s) { return new Session(id, alias, s, pid, cwd, backend); }

    public Session withAlias(String a) { return new Session(id, a, state, pid, cwd, backend); }

    public Session withPid(long p) { return new Session(id, alias, state, p, cwd, backend); }

    public Session withBackend(String b) { return new Session(id, alias, state, pid, cwd, b); }

    /**
     * Parses {@code agent/list}: {@code id TAB alias-or-"-" TAB state TAB pid TAB cwd} per line
     * (the cwd may hold tabs: it is the rest of the line). Malformed lines are skipped.
     */
    public static List<Session> parseList(String text) {
        List<Session> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split("\t", 5);
            if (f.length < 5 || f[0].isEmpty()) continue;
            out.add(new Session(f[0], f[1].equals("-") ? null : f[1], State.parse(f[2]), parsePid(f[3]), f[4], null));
        }
        return out;
    }

    static long parsePid(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
