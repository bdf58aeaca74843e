package dev.anvillm.web;

import dev.anvillm.client.AgentClient;
import dev.anvillm.client.State;
import dev.anvillm.client.TestDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The rules every request meets, checked with plain HTTP as a browser would send it: no token, a
 * wrong one, a forged Host (DNS rebinding), a hostile page on another loopback port (same-site,
 * so the SameSite cookie goes along) posting and opening an event stream, non-JSON bodies, and
 * read-only mode. No browser needed.
 */
class WebSecurityTest {
    static final String TOKEN = "0123456789abcdef0123456789abcdef";
    @TempDir Path tmp;
    TestDaemon d;
    WebServer web;
    int port;

    @BeforeEach
    void start() throws Exception {
        d = new TestDaemon(tmp);
        web = WebServer.start("127.0.0.1", 0, TOKEN, false, new AgentClient(d.ns.socket()));
        port = web.port();
    }

    @AfterEach
    void stop() throws Exception {
        if (web != null) web.close();
        if (d != null) d.close();
    }

    private RawHttp.Response get(String path, String... headers) throws Exception {
        return RawHttp.send(port, "GET", path, null, headers);
    }

    private RawHttp.Response post(String path, String body, String... headers) throws Exception {
        return RawHttp.send(port, "POST", path, body, headers);
    }

    private String cookie() {
        return "anvilweb-" + port + "=" + TOKEN;
    }

    private String create() {
        return "{\"backend\":\"quick\",\"dir\":\"" + d.project + "\",\"alias\":\"evil\"}";
    }

    @Test
    void withoutTheTokenNothingIsServedNotEvenStaticFilesOrUnknownPaths() throws Exception {
        for (String path : new String[] {"/", "/app.js", "/app.css", "/api/sessions", "/api/stats", "/api/events", "/no/such/thing"}) {
            RawHttp.Response r = get(path);
            assertEquals(401, r.status(), path);
            assertTrue(r.body().contains("not logged in"), path + ": " + r.body());
            assertEquals(1, r.body().strip().lines().count(), "one line: " + r.body());
        }
        assertEquals(401, post("/api/sessions", create(), "Content-Type", "application/json").status());
        assertTrue(d.client.list().isEmpty(), "nothing created");
    }

    @Test
    void aWrongTokenIsRefusedInTheUrlTheCookieAndTheBearerHeader() throws Exception {
        String wrong = "0123456789abcdef0123456789abcdee";
        assertEquals(401, get("/?token=" + wrong).status());
        assertEquals(401, get("/", "Cookie", "anvilweb-" + port + "=" + wrong).status());
        assertEquals(401, get("/api/sessions", "Authorization", "Bearer " + wrong).status());
        assertEquals(401, get("/api/sessions", "Authorization", "Bearer ").status());
        assertEquals(401, post("/api/sessions", create(), "Content-Type", "application/json", "Authorization", "Bearer " + wrong).status());
        assertTrue(d.client.list().isEmpty(), "nothing created");
    }

    @Test
    void theTokenUrlIsTradedForAStrictHttpOnlyCookieAndLeavesTheAddressBar() throws Exception {
        assertTrue(web.url().matches("http://127\\.0\\.0\\.1:" + port + "/\\?token=" + TOKEN), web.url());
        RawHttp.Response r = get("/?token=" + TOKEN);
        assertEquals(303, r.status());
        assertEquals("/", r.header("Location"));
        String set = r.header("Set-Cookie");
        assertTrue(set.startsWith(cookie() + ";"), set);
        assertTrue(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"), set);

        RawHttp.Response page = get("/", "Cookie", cookie());
        assertEquals(200, page.status());
        assertTrue(page.header("Content-Security-Policy").contains("default-src 'self'"), page.header("Content-Security-Policy"));
        assertTrue(page.header("Content-Security-Policy").contains("frame-ancestors 'none'"));
        assertEquals("DENY", page.header("X-Frame-Options"));
        // no inline script, nothing from the internet
        Matcher scripts = Pattern.compile("<script([^>]*)>").matcher(page.body());
        int n = 0;
        while (scripts.find()) {
            n++;
            assertTrue(scripts.group(1).contains("src=\"/"), "a script of our own, not inline: " + scripts.group());
        }
        assertEquals(1, n);
        assertFalse(page.body().contains("http://") || page.body().contains("https://") || page.body().contains("//cdn"), "an asset from elsewhere");
        for (String asset : new String[] {"/app.js", "/app.css"}) {
            RawHttp.Response a = get(asset, "Cookie", cookie());
            assertEquals(200, a.status(), asset);
            assertFalse(a.body().contains("https://") || a.body().contains("http://"), asset + " fetches from elsewhere");
        }
        assertEquals(200, get("/api/sessions", "Authorization", "Bearer " + TOKEN).status());
    }

    @Test
    void aForgedHostIsRefusedEvenWithTheToken() throws Exception {
        // a DNS name rebound to 127.0.0.1: the browser sends its own name as Host
        RawHttp.Response r = get("/api/sessions", "Host", "attacker.example:" + port, "Cookie", cookie());
        assertEquals(403, r.status());
        assertTrue(r.body().contains("wrong Host"), r.body());
        assertEquals(403, get("/", "Host", "127.0.0.1:" + (port + 1), "Cookie", cookie()).status());
        assertEquals(200, get("/", "Host", "localhost:" + port, "Cookie", cookie()).status(), "localhost names the loopback address served");
    }

    @Test
    void aHostilePageOnAnotherLoopbackPortCanNeitherPostNorListen() throws Exception {
        String other = "http://127.0.0.1:" + (port == 65535 ? 1 : port + 1);
        // same-site: the SameSite=Strict cookie goes along, so the fetch metadata must stop it
        RawHttp.Response p = post("/api/sessions", create(), "Content-Type", "application/json", "Cookie", cookie(),
                "Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "cors", "Origin", other);
        assertEquals(403, p.status());
        assertTrue(p.body().contains("same-site"), p.body());
        RawHttp.Response es = get("/api/events", "Accept", "text/event-stream", "Cookie", cookie(),
                "Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "cors", "Origin", other);
        assertEquals(403, es.status());
        assertFalse(es.body().contains("event:"), es.body());
        assertEquals(403, get("/api/events", "Accept", "text/event-stream", "Cookie", cookie(), "Sec-Fetch-Site", "cross-site").status());
        assertEquals(403, get("/", "Cookie", cookie(), "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Dest", "iframe").status());
        // an older browser without fetch metadata still sends Origin on a POST
        RawHttp.Response o = post("/api/sessions", create(), "Content-Type", "application/json", "Cookie", cookie(), "Origin", other);
        assertEquals(403, o.status());
        assertTrue(o.body().contains("origin"), o.body());
        assertEquals(403, post("/api/sessions", create(), "Content-Type", "application/json", "Cookie", cookie(), "Origin", "null").status());
        assertTrue(d.client.list().isEmpty(), "nothing created");
        // the page itself: same-origin, and a typed-in address (none)
        assertEquals(200, get("/api/sessions", "Cookie", cookie(), "Sec-Fetch-Site", "same-origin", "Origin", "http://127.0.0.1:" + port).status());
        assertEquals(200, get("/", "Cookie", cookie(), "Sec-Fetch-Site", "none").status());
    }

    @Test
    void bodiesOtherThanJsonAreRefused() throws Exception {
        // what a form or a no-preflight fetch can send
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
            RawHttp.Response r = post("/api/sessions", create(), "Content-Type", type, "Authorization", "Bearer " + TOKEN);
            assertEquals(415, r.status(), type);
            assertTrue(r.body().contains("application/json"), r.body());
        }
        assertEquals(415, post("/api/sessions", create(), "Authorization", "Bearer " + TOKEN).status(), "no type at all");
        assertTrue(d.client.list().isEmpty(), "nothing created");
        RawHttp.Response bad = post("/api/sessions", "{\"backend\":", "Content-Type", "application/json", "Authorization", "Bearer " + TOKEN);
        assertEquals(400, bad.status());
        assertTrue(bad.body().contains("not JSON"), bad.body());
    }

    @Test
    void aScriptDrivesASessionWithTheBearerToken() throws Exception {
        String auth = "Bearer " + TOKEN;
        RawHttp.Response made = post("/api/sessions", "{\"backend\":\"quick\",\"dir\":\"" + d.project + "\",\"alias\":\"api\"}",
                "Content-Type", "application/json; charset=utf-8", "Authorization", auth);
        assertEquals(201, made.status(), made.body());
        String id = Json.MAPPER.readTree(made.body()).get("id").asText();
        d.awaitState(id, State.IDLE);
        assertEquals(204, post("/api/sessions/api/prompt", "{\"text\":\"hello web\"}", "Content-Type", "application/json", "Authorization", auth).status());
        RawHttp.Response reply = get("/api/sessions/" + id + "/reply", "Authorization", auth);
        assertEquals(200, reply.status());
        assertTrue(Json.MAPPER.readTree(reply.body()).get("text").asText().contains("echo: hello web"), reply.body());
        RawHttp.Response list = get("/api/sessions", "Authorization", auth);
        assertTrue(list.body().contains("\"alias\":\"api\""), list.body());
        RawHttp.Response stats = get("/api/stats", "Authorization", auth);
        assertEquals(200, stats.status());
        var used = Json.MAPPER.readTree(stats.body()).get(0);
        assertEquals(id, used.get("id").asText(), stats.body());
        assertTrue(used.get("rss").asLong() > 0 && used.get("processes").asInt() > 0 && used.get("ports").isArray(), stats.body());
        // the daemon's own line for what it refuses
        RawHttp.Response taken = post("/api/sessions", "{\"backend\":\"quick\",\"dir\":\"" + d.project + "\",\"alias\":\"api\"}",
                "Content-Type", "application/json", "Authorization", auth);
        assertEquals(400, taken.status());
        assertTrue(taken.body().contains("alias"), taken.body());
        RawHttp.Response missing = post("/api/sessions/nosuch/ctl", "{\"command\":\"stop\"}", "Content-Type", "application/json", "Authorization", auth);
        assertEquals(404, missing.status());
        assertEquals("{\"error\":\"no session 'nosuch' (see agent/list)\"}", missing.body());
        RawHttp.Response odd = get("/api/events?watch=..%2Fctl", "Accept", "text/event-stream", "Authorization", auth);
        assertEquals(400, odd.status());
        assertTrue(odd.body().contains("no session '../ctl'"), odd.body());
        RawHttp.Response word = post("/api/sessions/api/ctl", "{\"command\":\"rm -rf\"}", "Content-Type", "application/json", "Authorization", auth);
        assertEquals(400, word.status());
        assertTrue(word.body().contains("unknown command"), word.body());
        assertEquals(204, post("/api/sessions/api/ctl", "{\"command\":\"stop\"}", "Content-Type", "application/json", "Authorization", auth).status());
        d.awaitState(id, State.STOPPED);
    }

    @Test
    void readOnlyServesEverythingAndChangesNothing() throws Exception {
        String id = d.client.create("quick", d.project.toString(), "ro");
        d.awaitState(id, State.IDLE);
        web.close();
        web = WebServer.start("127.0.0.1", 0, TOKEN, true, new AgentClient(d.ns.socket()));
        port = web.port();
        String auth = "Bearer " + TOKEN;
        RawHttp.Response page = get("/", "Cookie", cookie());
        assertEquals(200, page.status());
        assertTrue(page.body().contains("data-read-only=\"true\""), "the page hides its controls");
        assertEquals(200, get("/api/sessions/" + id, "Authorization", auth).status());
        String[][] writes = {
                {"POST", "/api/sessions", create()},
                {"POST", "/api/sessions/" + id + "/prompt", "{\"text\":\"hi\"}"},
                {"POST", "/api/sessions/" + id + "/ctl", "{\"command\":\"kill\"}"},
                {"PUT", "/api/sessions/" + id + "/alias", "{\"alias\":\"x\"}"},
                {"PUT", "/api/sessions/" + id + "/context", "{\"text\":\"x\"}"},
        };
        for (String[] w : writes) {
            RawHttp.Response r = RawHttp.send(port, w[0], w[1], w[2], "Content-Type", "application/json", "Authorization", auth);
            assertEquals(403, r.status(), w[0] + " " + w[1]);
            assertTrue(r.body().contains("read-only"), r.body());
        }
        assertEquals(1, d.client.list().size());
        assertEquals("ro", d.client.list().getFirst().alias());
        assertEquals(State.IDLE, d.client.state(id));
    }
}
