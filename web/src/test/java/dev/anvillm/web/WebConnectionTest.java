package dev.anvillm.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anvillm.client.State;
import dev.anvillm.client.TestDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * anvilweb as bin/anvilweb runs it, a process of its own: calls, the events reader and every
 * watched log share one 9P connection, whatever the number of pages, and after the daemon
 * restarts they share one again. Counted on the kernel's side (ss), as bin/bench web counts.
 */
class WebConnectionTest {
    @TempDir Path tmp;
    TestDaemon d;
    Process web;
    final List<SseStream> streams = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (SseStream s : streams) s.close();
        if (web != null) {
            web.destroy();
            if (!web.waitFor(30, TimeUnit.SECONDS)) web.destroyForcibly();
        }
        if (d != null) d.close();
    }

    private int connections() throws Exception {
        return DaemonConnections.count(d.ns.socket(), web.pid());
    }

    private static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }

    @Test
    void callsEventsAndEveryWatchedLogShareOneConnectionAlsoAfterADaemonRestart() throws Exception {
        d = new TestDaemon(tmp);
        String a = d.client.create("quick", d.project.toString(), "a");
        String b = d.client.create("quick", d.project.toString(), "b");
        d.awaitState(a, State.IDLE);
        d.awaitState(b, State.IDLE);

        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--addr", "127.0.0.1:0");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(tmp.resolve("anvilweb.err").toFile());
        pb.environment().putAll(d.ns.env());
        web = pb.start();
        String url = new BufferedReader(new InputStreamReader(web.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertNotNull(url, "no URL; stderr: " + Files.readString(tmp.resolve("anvilweb.err")));
        int port = Integer.parseInt(url.replaceAll("^http://127\\.0\\.0\\.1:(\\d+)/.*$", "$1"));
        String token = url.substring(url.indexOf("token=") + 6);

        // pages: some watching a, some b, some nothing; and scripts following a's log
        for (int i = 0; i < 12; i++) {
            String path = switch (i % 4) {
                case 0 -> "/api/events?watch=" + a;
                case 1 -> "/api/events?watch=" + b;
                case 2 -> "/api/events";
                default -> "/api/sessions/" + a + "/log";
            };
            SseStream s = SseStream.open(port, path, token);
            assertEquals(200, s.status, path);
            streams.add(s);
        }
        for (int i = 0; i < streams.size(); i++) {
            SseStream s = streams.get(i);
            if (i % 4 == 2) {
                s.await("a table naming both sessions", m -> m.event().equals("table") && m.data().contains(a) && m.data().contains(b));
            } else {
                s.await("the log's start", m -> m.event().equals("log") && m.data().contains("EVENT:"));
            }
        }
        // calls beside them: a prompt, its reply, the list
        RawHttp.Response sent = RawHttp.send(port, "POST", "/api/sessions/a/prompt", "{\"text\":\"one line\"}",
                "Content-Type", "application/json", "Authorization", "Bearer " + token);
        assertEquals(204, sent.status(), sent.body());
        RawHttp.Response reply = RawHttp.send(port, "GET", "/api/sessions/a/reply", null, "Authorization", "Bearer " + token);
        assertTrue(json(reply.body()).get("text").asText().contains("echo: one line"), reply.body());
        streams.get(0).await("the prompt in a watched log", m -> m.event().equals("log") && m.data().contains("USER: one line"));
        streams.get(3).await("the prompt in a followed log", m -> m.event().equals("log") && m.data().contains("USER: one line"));
        assertEquals(1, connections(), "anvilweb's connections to the daemon with 12 streams, 2 logs followed and calls made");

        // the daemon goes and comes back: one connection again, the logs followed again
        d.kill();
        SseStream page = streams.get(0);
        page.await("the outage", m -> m.event().equals("table") && m.data().startsWith("{\"connected\":false"));
        SseStream other = streams.get(1);
        other.await("b's log broken", m -> m.event().equals("end") && m.data().contains("daemon not answering"));
        int mark = page.messages().size();
        int otherMark = other.messages().size();
        d.start();
        page.await("the daemon back", mark, m -> m.event().equals("table") && m.data().startsWith("{\"connected\":true"));
        d.awaitState(a, State.IDLE);
        d.client.prompt(a, "after the restart");
        page.await("a's log followed again", mark, m -> m.event().equals("log") && m.data().contains("USER: after the restart"));
        other.await("b's log followed again from its start", otherMark, m -> m.event().equals("log") && m.data().contains("\"reset\":true"));
        other.await("b's log again", otherMark, m -> m.event().equals("log") && m.data().contains("created (pid"));
        RawHttp.Response list = RawHttp.send(port, "GET", "/api/sessions", null, "Authorization", "Bearer " + token);
        assertEquals(200, list.status(), list.body());
        assertEquals(1, connections(), "anvilweb's connections to the daemon after it restarted");
    }
}
