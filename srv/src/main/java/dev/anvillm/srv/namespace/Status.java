package dev.anvillm.srv.namespace;

import dev.anvillm.ninep.cli.JsonText;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@code anvilsrv status} reports.
 *
 * @param pid      the daemon's pid, or -1 when none runs
 * @param sessions how many sessions {@code list} shows, or -1 when not running
 * @param problem  why the daemon is not usable (not running, not answering), or null when it is
 */
public record Status(boolean running, long pid, Path namespace, Path socket, Path log, Duration uptime, int sessions, String problem) {
    public String text() {
        if (!running) return problem;
        return "anvilsrv running\n"
                + "pid        " + pid + "\n"
                + "namespace  " + namespace + "\n"
                + "socket     " + socket + "\n"
                + "uptime     " + human(uptime) + "\n"
                + "sessions   " + sessions + "\n"
                + "log        " + log;
    }

    public String json() {
        StringBuilder b = new StringBuilder("{\"running\":").append(running);
        if (running) b.append(",\"pid\":").append(pid);
        b.append(",\"namespace\":").append(JsonText.string(namespace.toString()));
        b.append(",\"socket\":").append(JsonText.string(socket.toString()));
        b.append(",\"log\":").append(JsonText.string(log.toString()));
        if (running) {
            b.append(",\"uptime_seconds\":").append(uptime.toSeconds());
            b.append(",\"sessions\":").append(sessions);
        } else {
            b.append(",\"problem\":").append(JsonText.string(problem));
        }
        return b.append('}').toString();
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 60) return s + "s";
        if (s < 3600) return String.format("%dm%02ds", s / 60, s % 60);
        if (s < 86400) return String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60);
        return String.format("%dd%02dh%02dm", s / 86400, s / 3600 % 24, s / 60 % 60);
    }
}
