package dev.anvillm.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One line of {@code agent/stats}: what a session's process tree uses now.
 *
 * @param alias     null when the session has none
 * @param cpu       percent of one CPU over the last few seconds (a tree busy on two reads 200)
 * @param rss       resident bytes, summed over the tree's processes
 * @param pss       proportional bytes (shared pages divided among their users), -1 when unknown
 * @param uptime    since the backend process started (zero when none runs)
 * @param processes how many processes the tree has
 */
public record Stats(String id, String alias, State state, double cpu, long rss, long pss, Duration uptime, int restarts,
                    int processes, List<Port> ports) {

    /** A listening TCP socket; {@code exposed} when bound beyond loopback (the daemon marks it {@code !}). */
    public record Port(String address, int port, boolean exposed) {
        /** {@code 127.0.0.1:8080}, or {@code 0.0.0.0:3000!} for an exposed one, as the daemon writes it. */
        public String text() {
            return address + ":" + port + (exposed ? "!" : "");
        }

        /** {@code ADDR:PORT[!]}; null when it is not that. */
        static Port parse(String w) {
            boolean exposed = w.endsWith("!");
            String s = exposed ? w.substring(0, w.length() - 1) : w;
            int colon = s.lastIndexOf(':');
            if (colon <= 0) return null;
            String addr = s.substring(0, colon);
            if (addr.startsWith("[") && addr.endsWith("]")) addr = addr.substring(1, addr.length() - 1);
            try {
                return new Port(addr, Integer.parseInt(s.substring(colon + 1)), exposed);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** The memory to show one figure of: PSS when the kernel gives it (shared pages counted once), else RSS. */
    public long memory() {
        return pss >= 0 ? pss : rss;
    }

    /** The alias when there is one, else the id. */
    public String name() {
        return alias == null ? id : alias;
    }

    /**
     * Parses {@code agent/stats}: per line, tab-separated, {@code id alias-or-"-" state cpu rss
     * pss-or-"-" uptime-seconds restarts processes ports-or-"-"} (ports space-separated). Malformed
     * lines are skipped.
     */
    public static List<Stats> parseList(String text) {
        List<Stats> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split("\t", 10);
            if (f.length < 10 || f[0].isEmpty()) continue;
            try {
                List<Port> ports = new ArrayList<>();
                if (!f[9].equals("-")) {
                    for (String w : f[9].split(" ")) {
                        Port p = Port.parse(w);
                        if (p != null) ports.add(p);
                    }
                }
                out.add(new Stats(f[0], f[1].equals("-") ? null : f[1], State.parse(f[2]), Double.parseDouble(f[3]),
                        Long.parseLong(f[4]), f[5].equals("-") ? -1 : Long.parseLong(f[5]), Duration.ofSeconds(Long.parseLong(f[6])),
                        Integer.parseInt(f[7]), Integer.parseInt(f[8]), List.copyOf(ports)));
            } catch (NumberFormatException e) {
                // a line of a newer daemon we cannot read: skipped
            }
        }
        return out;
    }

    /** CPU as a column shows it: {@code 0.4}, {@code 12}, {@code 250}. */
    public static String cpuText(double cpu) {
        return cpu < 10 ? String.format(Locale.ROOT, "%.1f", cpu) : String.format(Locale.ROOT, "%.0f", cpu);
    }

    /** Bytes as a column shows them: {@code 512K}, {@code 87M}, {@code 1.2G}. */
    public static String bytesText(long b) {
        if (b < 0) return "-";
        if (b < 1024 * 1024) return (b + 1023) / 1024 + "K";
        double m = b / (1024.0 * 1024);
        if (m < 10) return String.format(Locale.ROOT, "%.1fM", m);
        if (m < 1024) return String.format(Locale.ROOT, "%.0fM", m);
        return String.format(Locale.ROOT, "%.1fG", m / 1024);
    }

    /** A duration as {@code anvilsrv status} and {@code anvillm ps} show it: 42s, 3m05s, 2h04m10s, 1d03h20m. */
    public static String durationText(Duration d) {
        return DaemonFacts.human(d);
    }
}
