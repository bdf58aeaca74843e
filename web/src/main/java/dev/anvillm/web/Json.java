package dev.anvillm.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anvillm.client.Backend;
import dev.anvillm.client.Event;
import dev.anvillm.client.Info;
import dev.anvillm.client.LiveSessions;
import dev.anvillm.client.Session;
import dev.anvillm.client.Stats;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** What crosses to the browser and to scripts, as JSON: the shapes the README's API table names. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    record SessionView(String id, String alias, String state, long pid, String cwd, String backend) {
        static SessionView of(Session s) {
            return new SessionView(s.id(), s.alias(), s.state().word(), s.pid(), s.cwd(), s.backend());
        }
    }

    record Table(boolean connected, String problem, List<SessionView> sessions) {
        static Table of(LiveSessions.Snapshot s) {
            return new Table(s.connected(), s.problem(), s.sessions().stream().map(SessionView::of).toList());
        }
    }

    /** What a session's process tree uses (agent/stats); {@code pss} null when unknown, bytes and seconds. */
    record StatsView(String id, double cpu, long rss, Long pss, long memory, long uptime, int restarts, int processes,
                     List<PortView> ports) {
        static StatsView of(Stats s) {
            return new StatsView(s.id(), s.cpu(), s.rss(), s.pss() < 0 ? null : s.pss(), s.memory(), s.uptime().toSeconds(),
                    s.restarts(), s.processes(), s.ports().stream().map(p -> new PortView(p.address(), p.port(), p.exposed())).toList());
        }
    }

    record PortView(String address, int port, boolean exposed) {}

    record EventView(long time, String id, String kind, String detail) {
        static EventView of(Event e) {
            return new EventView(e.timeMs(), e.id(), e.kind(), e.detail());
        }
    }

    record BackendView(String name, boolean available, String note) {
        static BackendView of(Backend b) {
            return new BackendView(b.name(), b.available(), b.note());
        }
    }

    /** info: the session as list would show it, plus every fact in order ({@code [key, value]} pairs; keys repeat). */
    record InfoView(SessionView session, int queued, List<List<String>> facts) {
        static InfoView of(Info i) {
            int queued;
            try {
                queued = Integer.parseInt(String.valueOf(i.get("queued")).strip());
            } catch (NumberFormatException e) {
                queued = 0;
            }
            return new InfoView(SessionView.of(i.session()), queued,
                    i.facts().stream().map(f -> List.of(f.getKey(), f.getValue())).toList());
        }
    }

    /** A piece of a session's text (log lines, the last reply, the screen); {@code reset} replaces what the page shows. */
    record Text(String id, String text, boolean reset) {}

    static String write(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String error(String id, String message) {
        return write(Map.of("id", id, "error", message));
    }
}
