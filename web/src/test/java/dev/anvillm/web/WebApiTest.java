package dev.anvillm.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anvillm.client.AgentClient;
import dev.anvillm.client.Command;
import dev.anvillm.client.State;
import dev.anvillm.client.TestDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The JSON API over HTTP, as a script uses it (no browser), each route checked against the
 * README's table and against the daemon's tree: the shapes of the answers, and the event streams'
 * content as they happen.
 */
class WebApiTest {
    static final String TOKEN = "fedcba9876543210fedcba9876543210";
    @TempDir Path tmp;
    TestDaemon d;
    WebServer web;
    final List<SseStream> streams = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        d = new TestDaemon(tmp);
        web = WebServer.start("127.0.0.1", 0, TOKEN, false, new AgentClient(d.ns.socket()));
    }

    @AfterEach
    void stop() throws Exception {
        for (SseStream s : streams) s.close();
        if (web != null) web.close();
        if (d != null) d.close();
    }

    private RawHttp.Response call(String method, String path, String body) throws Exception {
        return body == null
                ? RawHttp.send(web.port(), method, path, null, "Authorization", "Bearer " + TOKEN)
                : RawHttp.send(web.port(), method, path, body, "Authorization", "Bearer " + TOKEN, "Content-Type", "application/json");
    }

    private JsonNode ok(String method, String path) throws Exception {
        RawHttp.Response r = call(method, path, null);
        assertEquals(200, r.status(), method + " " + path + ": " + r.body());
        assertTrue(r.header("Content-Type").startsWith("application/json"), r.header("Content-Type"));
        return Json.MAPPER.readTree(r.body());
    }

    private SseStream stream(String path) throws Exception {
        SseStream s = SseStream.open(web.port(), path, TOKEN);
        streams.add(s);
        assertEquals(200, s.status, path);
        assertTrue(s.contentType.startsWith("text/event-stream"), s.contentType);
        return s;
    }

    private static Set<String> keys(JsonNode n) {
        Set<String> k = new TreeSet<>();
        for (Iterator<String> i = n.fieldNames(); i.hasNext(); ) k.add(i.next());
        return k;
    }

    private static JsonNode json(SseStream.Message m) {
        try {
            return Json.MAPPER.readTree(m.data());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + m, e);
        }
    }

    private String idle(String alias) throws Exception {
        String id = d.client.create("quick", d.project.toString(), alias);
        d.awaitState(id, State.IDLE);
        return id;
    }

    @Test
    void backendsSayWhichCanStartAndWhyNot() throws Exception {
        JsonNode b = ok("GET", "/api/backends");
        assertTrue(b.isArray() && b.size() >= 3, b.toString());
        boolean quick = false;
        boolean off = false;
        for (JsonNode x : b) {
            assertEquals(Set.of("name", "available", "note"), keys(x), x.toString());
            if (x.get("name").asText().equals("quick")) quick = x.get("available").asBoolean();
            if (!x.get("available").asBoolean()) {
                off = true;
                assertFalse(x.get("note").asText().isBlank(), "why " + x + " cannot start");
            }
        }
        assertTrue(quick, "the test backend can start: " + b);
        assertTrue(off, "some backend cannot start here (no claude, codex...): " + b);
        assertEquals(d.client.backends().size(), b.size());
    }

    @Test
    void contextAndAliasAreWrittenToTheTreeAndReadBack() throws Exception {
        String id = idle("first");
        assertEquals(204, call("PUT", "/api/sessions/first/context", "{\"text\":\"You review Go code.\\nBe brief.\"}").status());
        assertEquals("You review Go code.\nBe brief.", d.client.context(id).stripTrailing());
        JsonNode c = ok("GET", "/api/sessions/" + id + "/context");
        assertEquals(Set.of("id", "text"), keys(c));
        assertEquals(id, c.get("id").asText());
        assertEquals(d.client.context(id), c.get("text").asText());

        assertEquals(204, call("PUT", "/api/sessions/" + id + "/alias", "{\"alias\":\"renamed\"}").status());
        assertEquals("renamed", d.client.info(id).session().alias());
        assertEquals("renamed", ok("GET", "/api/sessions/renamed").get("session").get("alias").asText());
        assertEquals(204, call("PUT", "/api/sessions/renamed/alias", "{\"alias\":\"\"}").status(), "empty clears it");
        assertNull(d.client.info(id).session().alias());
        RawHttp.Response gone = call("GET", "/api/sessions/renamed/context", null);
        assertEquals(404, gone.status(), "the old alias names nothing now: " + gone.body());

        RawHttp.Response bad = call("PUT", "/api/sessions/" + id + "/alias", "{\"alias\":\"two words\"}");
        assertEquals(400, bad.status());
        assertEquals(Set.of("error"), keys(Json.MAPPER.readTree(bad.body())));
        assertNull(d.client.info(id).session().alias(), "a refused alias changes nothing");
        assertEquals(400, call("PUT", "/api/sessions/" + id + "/context", "{\"context\":\"x\"}").status(), "the field is text");
    }

    @Test
    void outAndScreenAreWhatTheTreeSays() throws Exception {
        String id = idle("talk");
        assertEquals(204, call("POST", "/api/sessions/talk/prompt", "{\"text\":\"first words\"}").status());
        d.client.reply(id).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(204, call("POST", "/api/sessions/talk/prompt", "{\"text\":\"second words\"}").status());
        d.client.reply(id).get(30, java.util.concurrent.TimeUnit.SECONDS);
        JsonNode out = ok("GET", "/api/sessions/talk/out");
        assertEquals(Set.of("id", "text"), keys(out));
        assertEquals("talk", out.get("id").asText(), "the session as the path names it");
        String text = out.get("text").asText();
        assertTrue(text.indexOf("echo: first words") >= 0 && text.indexOf("echo: second words") > text.indexOf("echo: first words"), text);
        assertEquals(d.client.out(id), text);

        JsonNode screen = ok("GET", "/api/sessions/" + id + "/screen");
        assertEquals(Set.of("id", "text"), keys(screen));
        assertTrue(screen.get("text").asText().contains("anvillm-testagent"), screen.toString());
        assertTrue(screen.get("text").asText().contains("second words"), screen.toString());
        assertFalse(screen.get("text").asText().contains("\u001b"), "no escape codes");
        assertEquals(404, call("GET", "/api/sessions/nosuch/out", null).status());
    }

    @Test
    void theLogStreamsFromItsStartThenAsWrittenAndEndsWhenTheSessionIsKilled() throws Exception {
        String id = idle("logged");
        SseStream log = stream("/api/sessions/logged/log");
        SseStream.Message first = log.await("the log so far", m -> m.event().equals("log") && m.data().contains("created (pid"));
        JsonNode f = json(first);
        assertEquals(Set.of("id", "text", "reset"), keys(f));
        assertEquals(id, f.get("id").asText(), "named by its id, though the path gave its alias");
        assertTrue(log.messages().getFirst().data().contains("\"reset\":true"), "the first piece replaces what a reader shows: " + log.messages());

        int mark = log.messages().size();
        d.client.prompt(id, "watch this");
        SseStream.Message user = log.await("the prompt as written", mark, m -> m.event().equals("log") && m.data().contains("USER: watch this"));
        assertFalse(json(user).get("reset").asBoolean(), "appended, not a new start");
        log.await("the reply as written", mark, m -> m.event().equals("log") && m.data().contains("ASSISTANT: echo: watch this"));
        assertTrue(log.messages().stream().allMatch(m -> m.event().equals("log")), "only log (and end) on a log stream: " + log.messages());

        d.client.command(id, Command.KILL);
        SseStream.Message end = log.await("the end", m -> m.event().equals("end"));
        assertEquals(Set.of("id", "error"), keys(json(end)));
        assertEquals("end of log", json(end).get("error").asText());
        TestDaemon.await("the stream closed after its end", log::ended, log::toString);
        TestDaemon.await("no stream left", () -> web.streams() == 0, () -> web.streams() + " streams");
    }

    @Test
    void theEventsStreamGivesTheTableThenEachChangeAndWithWatchTheSessionsFeed() throws Exception {
        String kept = idle("kept");
        SseStream all = stream("/api/events");
        SseStream.Message table = all.await("the table", m -> m.event().equals("table") && m.data().startsWith("{\"connected\":true"));
        assertEquals("table", all.messages().getFirst().event(), "the table comes first");
        JsonNode t = json(table);
        assertEquals(Set.of("connected", "problem", "sessions"), keys(t));
        assertTrue(t.get("problem").isNull());
        JsonNode row = t.get("sessions").get(0);
        assertEquals(Set.of("id", "alias", "state", "pid", "cwd", "backend"), keys(row));
        assertEquals(kept, row.get("id").asText());
        assertEquals("kept", row.get("alias").asText());
        assertEquals(d.client.info(kept).session().pid(), row.get("pid").asLong());
        assertEquals(d.project.toString(), row.get("cwd").asText());
        all.await("the stats", m -> m.event().equals("stats") && json(m).isArray() && json(m).size() == 1
                && json(m).get(0).get("id").asText().equals(kept));

        // a session made and changed behind the stream's back
        int mark = all.messages().size();
        String made = d.client.create("quick", d.project.toString(), null);
        SseStream.Message created = all.await("the created event", mark, m -> m.event().equals("event") && m.data().contains("\"kind\":\"created\""));
        JsonNode e = json(created);
        assertEquals(Set.of("time", "id", "kind", "detail"), keys(e));
        assertEquals(made, e.get("id").asText());
        assertTrue(e.get("time").asLong() > 1_700_000_000_000L, "milliseconds since the epoch: " + e);
        SseStream.Message one = all.await("the session as it changed", mark, m -> m.event().equals("session") && m.data().contains(made));
        assertEquals(Set.of("id", "alias", "state", "pid", "cwd", "backend"), keys(json(one)));
        d.awaitState(made, State.IDLE);
        d.client.alias(made, "later");
        all.await("its alias", mark, m -> m.event().equals("session") && json(m).get("id").asText().equals(made)
                && "later".equals(json(m).get("alias").asText()));
        d.client.command(made, Command.KILL);
        SseStream.Message gone = all.await("it gone", mark, m -> m.event().equals("gone"));
        assertEquals("{\"id\":\"" + made + "\"}", gone.data());
        assertTrue(all.messages().stream().noneMatch(m -> Set.of("log", "reply", "screen", "end").contains(m.event())),
                "no session's feed without watch: " + all.messages());

        // watching one session: its log, reply, screen, and the end of its log
        SseStream watch = stream("/api/events?watch=" + kept);
        watch.await("its table", m -> m.event().equals("table"));
        watch.await("its log", m -> m.event().equals("log") && m.data().contains("created (pid"));
        watch.await("its screen", m -> m.event().equals("screen") && m.data().contains("anvillm-testagent"));
        int w = watch.messages().size();
        d.client.prompt(kept, "for the watcher");
        SseStream.Message reply = watch.await("its reply", w, m -> m.event().equals("reply") && m.data().contains("echo: for the watcher"));
        assertEquals(Set.of("id", "text", "reset"), keys(json(reply)));
        watch.await("the turn in its log", w, m -> m.event().equals("log") && m.data().contains("USER: for the watcher"));
        watch.await("every event too", w, m -> m.event().equals("event") && m.data().contains("\"kind\":\"reply\""));
        d.client.command(kept, Command.KILL);
        SseStream.Message end = watch.await("the end of its log", m -> m.event().equals("end"));
        assertEquals("end of log", json(end).get("error").asText());
        watch.await("it gone", m -> m.event().equals("gone") && m.data().contains(kept));
        assertFalse(watch.ended(), "a page's stream outlives the session it watched");
        assertTrue(all.messages().stream().noneMatch(m -> m.event().equals("log")), "the unwatching stream got no log");
    }
}
