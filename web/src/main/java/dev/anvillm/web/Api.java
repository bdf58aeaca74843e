package dev.anvillm.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.anvillm.client.AgentClient;
import dev.anvillm.client.ClientException;
import dev.anvillm.client.Command;
import dev.anvillm.client.Session;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * The JSON API, mirroring the agent tree (the README's table). Handlers run on virtual threads
 * and call the daemon over the one shared connection; a daemon error is answered with its one
 * line as {@code {"error": ...}}.
 */
final class Api {
    /** The request attribute holding the id of the session a stream follows. */
    private static final String WATCH = "anvilweb.watch";
    private final AgentClient client;
    private final Hub hub;

    Api(AgentClient client, Hub hub) {
        this.client = client;
        this.hub = hub;
    }

    void routes(RoutesConfig r) {
        r.get("/api/sessions", this::sessions);
        r.post("/api/sessions", this::create);
        r.get("/api/stats", ctx -> ctx.json(client.stats().stream().map(Json.StatsView::of).toList()));
        r.get("/api/backends", ctx -> ctx.json(client.backends().stream().map(Json.BackendView::of).toList()));
        r.get("/api/sessions/{id}", ctx -> ctx.json(Json.InfoView.of(client.info(id(ctx)))));
        r.post("/api/sessions/{id}/prompt", ctx -> {
            client.prompt(id(ctx), field(ctx, "text"));
            ctx.status(204);
        });
        r.post("/api/sessions/{id}/ctl", ctx -> {
            client.command(id(ctx), command(field(ctx, "command")));
            ctx.status(204);
        });
        r.put("/api/sessions/{id}/alias", ctx -> {
            client.alias(id(ctx), field(ctx, "alias"));
            ctx.status(204);
        });
        r.get("/api/sessions/{id}/context", ctx -> ctx.json(text(ctx, client.context(id(ctx)))));
        r.put("/api/sessions/{id}/context", ctx -> {
            client.context(id(ctx), field(ctx, "text"));
            ctx.status(204);
        });
        r.get("/api/sessions/{id}/out", ctx -> ctx.json(text(ctx, client.out(id(ctx)))));
        r.get("/api/sessions/{id}/screen", ctx -> ctx.json(text(ctx, client.screen(id(ctx)))));
        // waits, like a read of reply, while a prompt is queued or running
        r.get("/api/sessions/{id}/reply", ctx -> {
            String id = id(ctx);
            ctx.future(() -> client.reply(id).thenAccept(t -> ctx.json(text(ctx, t))).exceptionally(t -> {
                Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                Refused r2 = c instanceof ClientException e ? refusal(e) : new Refused(500, String.valueOf(c.getMessage()));
                Guard.answer(r2, ctx);
                return null;
            }));
        });
        // streams name their session as the other routes do, checked and made an id (an alias may
        // move to another session later) before the stream starts: one feed per session, its
        // events (which name ids) found
        r.before("/api/sessions/{id}/log", ctx -> ctx.attribute(WATCH, sessionId(id(ctx))));
        r.before("/api/events", ctx -> {
            String watch = ctx.queryParam("watch");
            if (watch != null && !watch.isBlank()) ctx.attribute(WATCH, sessionIdIfKnown(checkId(watch)));
        });
        r.sse("/api/sessions/{id}/log", sse -> hub.open(Sink.of(sse), sse.ctx().attribute(WATCH), Set.of("log", "end"), "end"));
        r.sse("/api/events", sse -> hub.open(Sink.of(sse), sse.ctx().attribute(WATCH), null, null));
        r.exception(ClientException.class, (e, ctx) -> Guard.answer(refusal(e), ctx));
    }

    /** The id of the session named by {@code name} (an id or an alias); a session that is not there is refused (404). */
    private String sessionId(String name) throws ClientException {
        for (Session s : hub.snapshot().sessions()) {
            if (s.id().equals(name) || name.equals(s.alias())) return s.id();
        }
        String id = client.info(name).session().id();
        return id == null ? name : id;
    }

    /**
     * The same for a page's stream, which is never refused for it: a page still naming a session
     * killed meanwhile, or opened while the daemon is away, gets the table (and the feed says why
     * there is nothing to follow).
     */
    private String sessionIdIfKnown(String name) {
        try {
            return sessionId(name);
        } catch (ClientException e) {
            return name;
        }
    }

    private void sessions(Context ctx) throws ClientException {
        // list, as the tree has it now (not the events reader's table, which may lag a write just made)
        Map<String, String> backends = new HashMap<>();
        for (Session s : hub.snapshot().sessions()) backends.put(s.id(), s.backend());
        List<Json.SessionView> out = client.list().stream()
                .map(s -> Json.SessionView.of(s.withBackend(backends.get(s.id())))).toList();
        ctx.json(out);
    }

    private void create(Context ctx) throws ClientException {
        JsonNode body = body(ctx);
        String id = client.create(required(body, "backend"), required(body, "dir"), optional(body, "alias"));
        ctx.status(201).json(Map.of("id", id));
    }

    private static Map<String, String> text(Context ctx, String text) {
        return Map.of("id", id(ctx), "text", text);
    }

    /** The session named in the path: an id or an alias, as the tree takes them. */
    private static String id(Context ctx) {
        return checkId(ctx.pathParam("id"));
    }

    private static String checkId(String id) {
        if (!id.matches("[A-Za-z0-9_-]{1,64}")) throw new Refused(400, "no session '" + id + "' (an id or an alias: 1-64 of A-Za-z0-9_-)");
        return id;
    }

    private static Command command(String word) {
        for (Command c : Command.values()) {
            if (c.line().equals(word.strip())) return c;
        }
        throw new Refused(400, "unknown command '" + word + "'; one of: stop start restart 'restart fresh' kill interrupt refresh");
    }

    private static JsonNode body(Context ctx) {
        try {
            JsonNode n = Json.MAPPER.readTree(ctx.body());
            if (n == null || !n.isObject()) throw new Refused(400, "the body must be a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            throw new Refused(400, "the body is not JSON: " + e.getOriginalMessage());
        }
    }

    private static String field(Context ctx, String name) {
        return required(body(ctx), name);
    }

    private static String required(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || !v.isTextual()) throw new Refused(400, "the body needs \"" + name + "\" (a string)");
        return v.textValue();
    }

    private static String optional(JsonNode body, String name) {
        JsonNode v = body.get(name);
        return v == null || !v.isTextual() ? null : v.textValue();
    }

    /** A daemon error as an answer: 404 for a session that is not there, 503 while the daemon is away, else 400. */
    static Refused refusal(ClientException e) {
        String m = e.getMessage();
        int status = m.startsWith("no session") ? 404 : m.startsWith("daemon not answering") ? 503 : 400;
        return new Refused(status, m);
    }
}
