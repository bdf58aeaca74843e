package dev.anvillm.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code agent/<id>/info}: one fact per line, {@code key TAB value}; some keys repeat
 * ({@code history}, {@code sandbox-detail}).
 */
public record Info(List<Map.Entry<String, String>> facts) {
    public static Info parse(String text) {
        List<Map.Entry<String, String>> facts = new ArrayList<>();
        for (String line : text.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab <= 0) continue;
            facts.add(Map.entry(line.substring(0, tab), line.substring(tab + 1)));
        }
        return new Info(List.copyOf(facts));
    }

    /** The first value of {@code key}, or null. */
    public String get(String key) {
        for (var e : facts) {
            if (e.getKey().equals(key)) return e.getValue();
        }
        return null;
    }

    /** The session these facts describe. */
    public Session session() {
        String alias = get("alias");
        return new Session(get("id"), alias == null || alias.equals("-") || alias.isEmpty() ? null : alias,
                State.parse(String.valueOf(get("state"))), Session.parsePid(String.valueOf(get("pid"))),
                String.valueOf(get("cwd")), get("backend"));
    }

    /**
     * The argv that attaches a terminal to the session, from the {@code tmux} fact
     * ({@code tmux -S <socket> attach -t <target>}; the socket may hold spaces), or null when the
     * daemon did not say.
     */
    public List<String> attachCommand() {
        String line = get("tmux");
        if (line == null) return null;
        String[] w = line.strip().split(" ");
        List<String> words = List.of(w);
        int at = words.lastIndexOf("attach");
        if (w.length < 6 || !w[0].equals("tmux") || !w[1].equals("-S") || at < 3 || !w[w.length - 2].equals("-t")) return null;
        String socket = String.join(" ", words.subList(2, at));
        return List.of("tmux", "-S", socket, "attach-session", "-t", "=" + w[w.length - 1]);
    }
}
