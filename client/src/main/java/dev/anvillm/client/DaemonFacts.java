package dev.anvillm.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * What {@code anvilsrv status} reports, as a client sees it: the pid from the name space's pid
 * file, the uptime of that process, and the session count from {@code list} (which also proves
 * the daemon answers).
 *
 * @param problem why the daemon cannot be used, or null
 */
public record DaemonFacts(boolean running, long pid, Path namespace, Path socket, Duration uptime, int sessions, String problem) {

    /** Looks now; never throws. */
    public static DaemonFacts of(AgentClient client) {
        Path socket = client.socket();
        Path ns = socket.getParent();
        long pid = -1;
        try {
            pid = Long.parseLong(Files.readString(ns.resolve("anvilsrv.pid"), StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            // no pid file: the list below says whether something answers anyway
        }
        int sessions;
        try {
            sessions = client.list().size();
        } catch (ClientException e) {
            return new DaemonFacts(false, pid, ns, socket, Duration.ZERO, -1, e.getMessage());
        }
        Duration up = pid < 0 ? Duration.ZERO : ProcessHandle.of(pid).flatMap(h -> h.info().startInstant())
                .map(t -> Duration.between(t, Instant.now())).orElse(Duration.ZERO);
        return new DaemonFacts(true, pid, ns, socket, up, sessions, null);
    }

    /** The facts, one per line, as {@code anvilsrv status} prints them. */
    public String text() {
        if (!running) return "anvilsrv not running\n" + problem;
        return "anvilsrv running\n"
                + "pid        " + (pid < 0 ? "?" : pid) + "\n"
                + "namespace  " + namespace + "\n"
                + "socket     " + socket + "\n"
                + "uptime     " + human(uptime) + "\n"
                + "sessions   " + sessions;
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 60) return s + "s";
        if (s < 3600) return String.format("%dm%02ds", s / 60, s % 60);
        if (s < 86400) return String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60);
        return String.format("%dd%02dh%02dm", s / 86400, s / 3600 % 24, s / 60 % 60);
    }
}
