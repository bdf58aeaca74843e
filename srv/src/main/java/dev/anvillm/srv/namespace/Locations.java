package dev.anvillm.srv.namespace;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where one namespace's daemon keeps things (SPEC §2). Everything is derived from the environment
 * given, so tests use temp dirs by passing NAMESPACE, XDG_STATE_HOME, XDG_CONFIG_HOME and HOME.
 *
 * @param namespaceDir {@code $NAMESPACE}, else {@code /tmp/ns.$USER.$DISPLAY}
 * @param stateDir     {@code $XDG_STATE_HOME/anvillm/<namespace key>/}: registry, transcripts, log
 * @param configDir    {@code $XDG_CONFIG_HOME/anvillm/}: sandbox.yaml, backends.yaml
 * @param home         the user's home, for {@code ~} in paths written to ctl files
 */
public record Locations(Path namespaceDir, Path stateDir, Path configDir, Path home) {
    public static final String SOCKET = "agent";
    public static final String PID_FILE = "anvilsrv.pid";
    public static final String LOG_FILE = "anvilsrv.log";

    /** The daemon's 9P socket, mode 0600. */
    public Path socket() { return namespaceDir.resolve(SOCKET); }

    public Path pidFile() { return namespaceDir.resolve(PID_FILE); }

    /** Where {@code anvilsrv start} sends the background daemon's output. */
    public Path logFile() { return stateDir.resolve(LOG_FILE); }

    /** The locations for {@code env} (usually {@code System.getenv()}). */
    public static Locations from(Map<String, String> env) {
        Path home = Path.of(nonEmpty(env.get("HOME"), System.getProperty("user.home"))).toAbsolutePath().normalize();
        Path ns = namespaceDir(env);
        Path state = xdg(env, "XDG_STATE_HOME", home, ".local/state").resolve("anvillm").resolve(key(ns));
        Path config = xdg(env, "XDG_CONFIG_HOME", home, ".config").resolve("anvillm");
        return new Locations(ns, state, config, home);
    }

    /** {@code $NAMESPACE}, else {@code /tmp/ns.$USER.$DISPLAY} as plan9port computes it. */
    static Path namespaceDir(Map<String, String> env) {
        String ns = env.get("NAMESPACE");
        if (ns != null && !ns.isEmpty()) return Path.of(ns).toAbsolutePath().normalize();
        String user = nonEmpty(env.get("USER"), nonEmpty(env.get("LOGNAME"), System.getProperty("user.name")));
        String display = nonEmpty(env.get("DISPLAY"), ":0");
        if (display.endsWith(".0")) display = display.substring(0, display.length() - 2);
        return Path.of("/tmp", "ns." + user + "." + display.replace('/', '_'));
    }

    /**
     * The state directory's name for a namespace: its path without the leading slash, {@code /}
     * written {@code _}, and {@code _} and {@code %} percent-escaped so that two namespaces never
     * share one ({@code /tmp/ns.root.:0} → {@code tmp_ns.root.:0}).
     */
    static String key(Path namespaceDir) {
        String p = namespaceDir.toString();
        StringBuilder b = new StringBuilder();
        for (int i = p.startsWith("/") ? 1 : 0; i < p.length(); i++) {
            char c = p.charAt(i);
            switch (c) {
                case '/' -> b.append('_');
                case '_' -> b.append("%5F");
                case '%' -> b.append("%25");
                default -> b.append(c);
            }
        }
        return b.isEmpty() ? "_" : b.toString();
    }

    private static Path xdg(Map<String, String> env, String var, Path home, String fallback) {
        String v = env.get(var);
        // The XDG spec says relative values are invalid and must be ignored.
        if (v != null && v.startsWith("/")) return Path.of(v).normalize();
        return home.resolve(fallback);
    }

    private static String nonEmpty(String v, String otherwise) {
        return v == null || v.isEmpty() ? otherwise : v;
    }
}
