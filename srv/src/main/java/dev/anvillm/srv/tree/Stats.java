package dev.anvillm.srv.tree;

import dev.anvillm.srv.session.Session;
import dev.anvillm.srv.supervise.Resources;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code agent/<id>/stats} and {@code agent/stats}: what a session's process tree uses, in the
 * units a script wants (bytes, seconds, percent of one CPU). The keys and columns are stable;
 * README documents them.
 */
final class Stats {
    private Stats() {}

    /** One {@code key TAB value} per line, as {@code info}. */
    static String file(Session s, Resources resources) throws InterruptedException {
        Resources.Usage u = resources.measure(Map.of(s.id(), s.pid())).get(s.id());
        StringBuilder sb = new StringBuilder();
        line(sb, "id", s.id());
        line(sb, "state", s.state().word());
        line(sb, "pid", Integer.toString(u.pid()));
        line(sb, "processes", Integer.toString(u.processes()));
        line(sb, "cpu", cpu(u));
        line(sb, "cpu-window-ms", Long.toString(u.window().toMillis()));
        line(sb, "rss", Long.toString(u.rss()));
        line(sb, "pss", pss(u));
        line(sb, "uptime", Long.toString(u.uptime().toSeconds()));
        line(sb, "restarts", Integer.toString(s.restarts()));
        line(sb, "ports", ports(u));
        return sb.toString();
    }

    /**
     * One line per session in {@code list} order: {@code id alias state cpu rss pss uptime
     * restarts processes ports}, tab-separated, no header, as {@code list}.
     */
    static String all(List<Session> sessions, Resources resources) throws InterruptedException {
        Map<String, Integer> roots = new LinkedHashMap<>();
        for (Session s : sessions) roots.put(s.id(), s.pid());
        resources.keepOnly(roots.keySet());
        Map<String, Resources.Usage> used = resources.measure(roots);
        StringBuilder sb = new StringBuilder();
        for (Session s : sessions) {
            Resources.Usage u = used.get(s.id());
            sb.append(String.join("\t", s.id(), s.alias() == null ? "-" : s.alias(), s.state().word(), cpu(u),
                    Long.toString(u.rss()), pss(u), Long.toString(u.uptime().toSeconds()), Integer.toString(s.restarts()),
                    Integer.toString(u.processes()), ports(u))).append('\n');
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String k, String v) {
        sb.append(k).append('\t').append(v).append('\n');
    }

    private static String cpu(Resources.Usage u) {
        return String.format(Locale.ROOT, "%.1f", u.cpu());
    }

    private static String pss(Resources.Usage u) {
        return u.pss() < 0 ? "-" : Long.toString(u.pss());
    }

    private static String ports(Resources.Usage u) {
        return u.ports().isEmpty() ? "-" : u.ports().stream().map(Resources.Port::text).collect(Collectors.joining(" "));
    }
}
