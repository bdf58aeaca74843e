package dev.anvillm.web;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The rules every request passes before any handler, static files and unknown paths included:
 * the {@code Host} served (against DNS rebinding), {@code Sec-Fetch-Site} and {@code Origin} (no
 * other page, not even one on another localhost port, may drive anvilweb through the browser),
 * the token (the start-up URL's query, then the cookie it is traded for, or a Bearer header),
 * JSON bodies only, and nothing that changes anything in read-only mode.
 */
final class Guard {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
            + " object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** On every answer, refusals included: no framing, no sniffing, no caching, nothing leaked to other sites. */
    private static final Map<String, String> HEADERS = Map.of(
            "Content-Security-Policy", CSP,
            "X-Frame-Options", "DENY",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Cache-Control", "no-store",
            "Cross-Origin-Opener-Policy", "same-origin",
            "Cross-Origin-Resource-Policy", "same-origin");

    /** Set on a request answered by {@link #answer}: the error pages leave it alone. */
    static final String ANSWERED = "anvilweb.answered";

    private final byte[] token;
    private final String tokenText;
    private final boolean readOnly;
    private volatile String cookieName = "anvilweb";
    private volatile Set<String> hosts = Set.of();
    private volatile String served = "";

    Guard(String token, boolean readOnly) {
        this.tokenText = token;
        this.token = token.getBytes(StandardCharsets.US_ASCII);
        this.readOnly = readOnly;
    }

    /** 128 bits from the system's strong source, as 32 hex digits. */
    static String newToken() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * The address now served (known once the port is bound). A loopback address also answers as
     * {@code localhost}, which no DNS answer can move elsewhere.
     */
    void serving(String host, int port) {
        String h = host.contains(":") ? "[" + host + "]" : host;
        served = h + ":" + port;
        boolean loopback = host.equals("127.0.0.1") || host.equals("::1") || host.equals("localhost");
        hosts = loopback ? Set.of(served.toLowerCase(Locale.ROOT), "localhost:" + port) : Set.of(served.toLowerCase(Locale.ROOT));
        // cookies do not tell ports apart: two instances on one host keep one cookie each
        cookieName = "anvilweb-" + port;
    }

    String url() {
        return "http://" + served + "/?token=" + tokenText;
    }

    String cookieName() {
        return cookieName;
    }

    boolean readOnly() {
        return readOnly;
    }

    void check(Context ctx) {
        HEADERS.forEach(ctx::header);

        String host = ctx.header("Host");
        if (host == null || !hosts.contains(host.toLowerCase(Locale.ROOT))) {
            throw new Refused(403, "wrong Host header (" + host + "): anvilweb answers only as " + served);
        }
        String site = ctx.header("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            throw new Refused(403, "refused a " + site + " request: only anvilweb's own pages may call it");
        }
        String origin = ctx.header("Origin");
        if (origin != null && !origin.equalsIgnoreCase("http://" + host)) {
            throw new Refused(403, "refused a request from origin " + origin + ": only anvilweb's own pages may call it");
        }
        boolean get = ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD;
        String fromUrl = ctx.queryParam("token");
        if (fromUrl != null && get) {
            if (!matches(fromUrl)) throw new Refused(401, "wrong token: open the URL anvilweb printed at start (anvilweb url prints it again)");
            // traded for a cookie, and the token leaves the address bar (and the history)
            ctx.header("Set-Cookie", cookieName + "=" + tokenText + "; Path=/; HttpOnly; SameSite=Strict");
            throw new Refused(303, "logged in", withoutToken(ctx));
        }
        if (!matches(ctx.cookie(cookieName)) && !matches(bearer(ctx.header("Authorization")))) {
            throw new Refused(401, "not logged in: open the URL anvilweb printed at start (anvilweb url prints it again)");
        }
        if (!get) {
            if (readOnly) throw new Refused(403, "read-only: anvilweb was started with --read-only");
            String type = ctx.header("Content-Type");
            String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!media.equals("application/json")) {
                throw new Refused(415, "request bodies must be application/json (got " + (type == null ? "none" : type) + ")");
            }
        }
    }

    private boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(candidate.getBytes(StandardCharsets.US_ASCII), token);
    }

    private static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        return header.substring(7).strip();
    }

    /** The request's path and query, the token dropped. */
    private static String withoutToken(Context ctx) {
        String rest = ctx.queryParamMap().entrySet().stream()
                .filter(e -> !e.getKey().equals("token"))
                .flatMap(e -> e.getValue().stream().map(v -> enc(e.getKey()) + "=" + enc(v)))
                .collect(Collectors.joining("&"));
        return ctx.path() + (rest.isEmpty() ? "" : "?" + rest);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The body of a refusal: JSON for the API, a line of text for a person. */
    static void answer(Refused r, Context ctx) {
        ctx.attribute(ANSWERED, true);
        ctx.status(r.status);
        if (r.location != null) {
            ctx.header("Location", r.location);
            ctx.result("");
            return;
        }
        if (ctx.path().startsWith("/api/")) {
            ctx.json(Map.of("error", r.getMessage()));
        } else {
            ctx.contentType("text/plain; charset=utf-8").result("anvilweb: " + r.getMessage() + "\n");
        }
    }
}
