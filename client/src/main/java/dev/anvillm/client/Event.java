package dev.anvillm.client;

/**
 * One line of {@code agent/events}: {@code <unix-ms> <id> <kind> [detail]}, or, at the start of
 * each open, {@code state <id> <state>} (given here with time 0). A reader that fell too far
 * behind gets {@code <unix-ms> - overflow <n>}: it missed n lines and must resync from list.
 */
public record Event(long timeMs, String id, String kind, String detail) {
    public boolean isOverflow() {
        return kind.equals("overflow");
    }

    /** Parses one line (without its newline); null when it is not an event line. */
    public static Event parse(String line) {
        String[] f = line.split(" ", 4);
        if (f.length < 3) return null;
        if (f[0].equals("state")) return new Event(0, f[1], "state", f[2]);
        long t;
        try {
            t = Long.parseLong(f[0]);
        } catch (NumberFormatException e) {
            return null;
        }
        return new Event(t, f[1], f[2], f.length > 3 ? f[3] : "");
    }

    /**
     * The pid an event names ({@code started pid N}, {@code restarted pid N},
     * {@code adopted pid N, ...}), or -1.
     */
    public long pid() {
        if (!detail.startsWith("pid ")) return -1;
        int end = 4;
        while (end < detail.length() && Character.isDigit(detail.charAt(end))) end++;
        return end == 4 ? -1 : Long.parseLong(detail.substring(4, end));
    }
}
