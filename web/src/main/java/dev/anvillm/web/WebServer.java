package dev.anvillm.web;

import dev.anvillm.client.AgentClient;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * anvilweb's HTTP side: the {@link Guard} before everything, the page and its two assets (from
 * this jar; nothing comes from the internet), the {@link Api}, and the {@link Hub} feeding every
 * page's one event stream.
 */
public final class WebServer implements AutoCloseable {
    /** The page's files: served from resources, with their types. Nothing else is static. */
    private static final Map<String, String> ASSETS = Map.of(
            "/app.js", "text/javascript; charset=utf-8",
            "/app.css", "text/css; charset=utf-8");

    private final Guard guard;
    private final Hub hub;
    private final AgentClient client;
    private final Javalin app;
    private final String index;

    private WebServer(Guard guard, AgentClient client) {
        this.guard = guard;
        this.client = client;
        this.hub = new Hub(client);
        this.index = resource("/anvilweb/index.html").replace("{{readOnly}}", Boolean.toString(guard.readOnly()));
        Api api = new Api(client, hub);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = 2L << 20; // a prompt of 1 MiB, as JSON
            config.routes.before(guard::check);
            config.routes.exception(Refused.class, Guard::answer);
            config.routes.get("/", this::page);
            for (var asset : ASSETS.entrySet()) {
                String body = resource("/anvilweb" + asset.getKey());
                config.routes.get(asset.getKey(), ctx -> ctx.contentType(asset.getValue()).result(body));
            }
            api.routes(config.routes);
            config.routes.error(404, ctx -> {
                if (ctx.attribute(Guard.ANSWERED) == null) Guard.answer(new Refused(404, "no such page: " + ctx.path()), ctx);
            });
        });
    }

    /**
     * Serves on {@code host:port} (port 0: any free one) for the daemon that {@code client}
     * talks to; {@code token} is what a visitor must show.
     */
    public static WebServer start(String host, int port, String token, boolean readOnly, AgentClient client) {
        Guard g = new Guard(token, readOnly);
        WebServer w = new WebServer(g, client);
        w.app.start(host, port);
        g.serving(host, w.app.port());
        w.hub.start();
        return w;
    }

    /** The URL to open: the address served and the token. */
    public String url() {
        return guard.url();
    }

    public int port() {
        return app.port();
    }

    /** How many event streams are open now (pages and scripts). */
    public int streams() {
        return hub.pageCount();
    }

    private void page(Context ctx) {
        ctx.contentType("text/html; charset=utf-8").result(index);
    }

    private static String resource(String name) {
        try (InputStream in = WebServer.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        hub.close();
        app.stop();
        client.close();
    }
}
