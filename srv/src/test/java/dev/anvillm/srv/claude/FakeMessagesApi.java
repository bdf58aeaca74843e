package dev.anvillm.srv.claude;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * A loopback fake of the Anthropic Messages API, good enough to drive the real Claude Code CLI.
 *
 * <p>Tests script the model: {@link #replyText}, {@link #replyToolUse}, {@link #reply} and
 * {@link #replyError} queue answers for the <em>conversation</em> requests, in order; when the
 * queue is empty the {@linkplain #defaultReply default} text answers. Every request is recorded
 * and can be awaited with a deadline ({@link #awaitRequest}).
 *
 * <p>Claude Code also sends side requests (a session title, with {@code CLAUDE_CODE_DISABLE_
 * NONESSENTIAL_TRAFFIC} unset) through the same endpoint. They are told apart by their empty
 * {@code tools} list: the agent loop always offers its tools (Bash, Read, Edit...), side calls
 * offer none. Side requests get a harmless automatic answer (an object filling the JSON schema
 * they ask for, else "OK") and never consume a scripted reply. Sub-agents (the Agent tool) do
 * carry tools and so count as conversation requests.
 */
final class FakeMessagesApi implements AutoCloseable {

    /** What a recorded request was, as far as scripting is concerned. */
    enum Kind {
        /** POST /v1/messages from the agent loop (has tools): consumes scripted replies. */
        CONVERSATION,
        /** POST /v1/messages without tools (title generation and the like). */
        SIDE,
        /** Anything else: count_tokens, the HEAD /api/hello connectivity check, unknown paths. */
        OTHER
    }

    /** One recorded HTTP request. {@code headers} keys are lower case; {@code json} is empty when the body is not a JSON object. */
    record Request(Instant at, String method, String path, Map<String, String> headers, String body,
                   Map<String, Object> json, Kind kind) {

        boolean isConversation() {
            return kind == Kind.CONVERSATION;
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String model() {
            return (String) json.get("model");
        }

        boolean streaming() {
            return Boolean.TRUE.equals(json.get("stream"));
        }

        List<?> messages() {
            return json.get("messages") instanceof List<?> l ? l : List.of();
        }

        List<String> toolNames() {
            var names = new ArrayList<String>();
            if (json.get("tools") instanceof List<?> tools)
                for (Object t : tools) if (Json.at(t, "name") instanceof String n) names.add(n);
            return names;
        }

        /** The text blocks of the system prompt, joined by newlines. */
        String systemText() {
            return textOf(json.get("system"));
        }

        /** Every text block of every message (and tool results), joined by newlines. */
        String messagesText() {
            var sb = new StringBuilder();
            for (Object m : messages()) sb.append(textOf(Json.at(m, "content"))).append('\n');
            return sb.toString();
        }

        boolean mentions(String text) {
            return messagesText().contains(text);
        }

        /** The roles of the messages in order, e.g. [user, system, assistant, user]. */
        List<String> roles() {
            return messages().stream().map(m -> (String) Json.at(m, "role")).toList();
        }

        static String textOf(Object content) {
            return switch (content) {
                case null -> "";
                case String s -> s;
                case List<?> blocks -> {
                    var parts = new ArrayList<String>();
                    for (Object b : blocks) {
                        if (Json.at(b, "text") instanceof String t) parts.add(t);
                        else if (Json.at(b, "content") != null) parts.add(textOf(Json.at(b, "content")));
                    }
                    yield String.join("\n", parts);
                }
                default -> "";
            };
        }
    }

    /** A content block of a scripted reply. */
    sealed interface Block permits Text, ToolUse {}

    record Text(String text) implements Block {}

    record ToolUse(String id, String name, Map<String, ?> input) implements Block {}

    /** A queued answer; can be slowed down or held until the test releases it. */
    static final class Reply {
        private final List<Block> blocks;
        private final int errorStatus;
        private final String errorType;
        private final String errorMessage;
        private volatile Duration delay = Duration.ZERO;
        private volatile CountDownLatch gate = new CountDownLatch(0);

        private Reply(List<Block> blocks, int errorStatus, String errorType, String errorMessage) {
            this.blocks = List.copyOf(blocks);
            this.errorStatus = errorStatus;
            this.errorType = errorType;
            this.errorMessage = errorMessage;
        }

        /** Waits this long before answering (the CLI shows itself busy meanwhile). */
        Reply delayedBy(Duration d) {
            delay = Objects.requireNonNull(d);
            return this;
        }

        /** Answers only after {@link #release()} (or when the fake closes). */
        Reply heldUntilReleased() {
            gate = new CountDownLatch(1);
            return this;
        }

        void release() {
            gate.countDown();
        }

        boolean isError() {
            return errorStatus != 0;
        }
    }

    private static final Duration TEXT_CHUNK_PAUSE = Duration.ofMillis(5);

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Request> requests = new ArrayList<>();
    private final List<Reply> queue = new ArrayList<>();
    /** Replies for the conversations whose first message holds the key (a session's context names its role). */
    private final Map<String, List<Reply>> routed = new LinkedHashMap<>();
    private final List<Reply> handedOut = new CopyOnWriteArrayList<>();
    private final List<String> unknownPaths = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile String defaultText = "OK from the fake Messages API.";

    private FakeMessagesApi(HttpServer server) {
        this.server = server;
    }

    /** Starts on 127.0.0.1 at an ephemeral port. */
    static FakeMessagesApi start() throws IOException {
        var server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        var api = new FakeMessagesApi(server);
        server.setExecutor(api.executor);
        server.createContext("/", api::handle);
        server.start();
        return api;
    }

    /** The value for ANTHROPIC_BASE_URL. */
    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    // ---- scripting ----

    Reply replyText(String text) {
        return enqueue(new Reply(List.of(new Text(text)), 0, null, null));
    }

    Reply replyToolUse(String toolName, Map<String, ?> input) {
        return reply(new ToolUse(newToolUseId(), toolName, input));
    }

    /** One assistant message made of these blocks, e.g. a text then a tool_use. */
    Reply reply(Block... blocks) {
        if (blocks.length == 0) throw new IllegalArgumentException("a reply needs at least one block");
        return enqueue(new Reply(List.of(blocks), 0, null, null));
    }

    /**
     * Queues an answer for the conversation whose first message contains {@code marker}, as
     * sessions of one workflow tell themselves apart by their context ("You are wf-dev,"). Each
     * conversation takes its own replies in order; the unrouted queue serves the others.
     */
    Reply replyTo(String marker, Block... blocks) {
        if (blocks.length == 0) throw new IllegalArgumentException("a reply needs at least one block");
        Reply r = new Reply(List.of(blocks), 0, null, null);
        synchronized (this) {
            routed.computeIfAbsent(marker, k -> new ArrayList<>()).add(r);
        }
        return r;
    }

    /** A Bash tool call, as the model asks for one. */
    ToolUse bash(String command) {
        return new ToolUse(newToolUseId(), "Bash", Map.of("command", command, "description", "run a command"));
    }

    /** An API error, e.g. {@code replyError(529, "overloaded_error", "Overloaded")}. */
    Reply replyError(int status, String type, String message) {
        return enqueue(new Reply(List.of(), status, type, message));
    }

    /** The text answered when no scripted reply is queued. */
    void defaultReply(String text) {
        defaultText = Objects.requireNonNull(text);
    }

    String newToolUseId() {
        return "toolu_fake_" + ids.incrementAndGet();
    }

    private Reply enqueue(Reply r) {
        synchronized (this) {
            queue.add(r);
        }
        return r;
    }

    private synchronized Reply nextScripted(Request req) {
        Object first = req.messages().isEmpty() ? null : Json.at(req.messages().getFirst(), "content");
        String opening = Request.textOf(first);
        for (var e : routed.entrySet()) {
            if (opening.contains(e.getKey())) return e.getValue().isEmpty() ? null : e.getValue().removeFirst();
        }
        return queue.isEmpty() ? null : queue.removeFirst();
    }

    // ---- records ----

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> conversationRequests() {
        return requests().stream().filter(Request::isConversation).toList();
    }

    /** Paths the fake did not recognise (answered 404), in arrival order. */
    List<String> unknownPaths() {
        return List.copyOf(unknownPaths);
    }

    /**
     * Waits for the {@code n}th (1-based) recorded request matching {@code which}.
     *
     * @throws AssertionError on timeout, listing what did arrive
     */
    Request awaitRequest(int n, Predicate<Request> which, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (true) {
                var matching = requests.stream().filter(which).toList();
                if (matching.size() >= n) return matching.get(n - 1);
                long left = deadline - System.nanoTime();
                if (left <= 0)
                    throw new AssertionError("timed out after " + timeout + " waiting for request #" + n
                            + " matching; " + matching.size() + " matched of " + requests.size() + " received: "
                            + requests.stream().map(r -> r.kind() + " " + r.method() + " " + r.path()).toList());
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    Request awaitConversationRequest(int n, Duration timeout) throws InterruptedException {
        return awaitRequest(n, Request::isConversation, timeout);
    }

    private synchronized void record(Request r) {
        requests.add(r);
        notifyAll();
    }

    // ---- HTTP ----

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String body = readBody(ex);
            String path = ex.getRequestURI().toString();
            String route = ex.getRequestURI().getPath();
            var headers = new LinkedHashMap<String, String>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            Map<String, Object> json = parseJsonObject(body);
            String method = ex.getRequestMethod();

            if (method.equals("POST") && route.equals("/v1/messages")) {
                boolean hasTools = json.get("tools") instanceof List<?> l && !l.isEmpty();
                var req = new Request(Instant.now(), method, path, Map.copyOf(headers), body, json,
                        hasTools ? Kind.CONVERSATION : Kind.SIDE);
                if (hasTools) {
                    Reply r = nextScripted(req);
                    if (r == null) r = new Reply(List.of(new Text(defaultText)), 0, null, null);
                    record(req);
                    answer(ex, req, r);
                } else {
                    record(req);
                    answer(ex, req, sideReply(json));
                }
                return;
            }
            record(new Request(Instant.now(), method, path, Map.copyOf(headers), body, json, Kind.OTHER));
            if (method.equals("POST") && route.equals("/v1/messages/count_tokens")) {
                sendJson(ex, 200, Map.of("input_tokens", estimateTokens(body)));
            } else if (route.equals("/api/hello")) {
                // The CLI's connectivity check (HEAD, without CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC).
                ex.sendResponseHeaders(200, -1);
            } else {
                unknownPaths.add(method + " " + path);
                System.err.println("FakeMessagesApi: unknown request " + method + " " + path + " answered 404");
                sendError(ex, 404, "not_found_error", "the fake Messages API does not serve " + route);
            }
        } catch (IOException e) {
            // The CLI hung up (e.g. the user pressed Esc mid-stream): nothing to answer.
        }
    }

    private void answer(HttpExchange ex, Request req, Reply r) throws IOException {
        handedOut.add(r);
        try {
            if (!r.delay.isZero()) Thread.sleep(r.delay);
            r.gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } finally {
            handedOut.remove(r);
        }
        if (r.isError()) {
            sendError(ex, r.errorStatus, r.errorType, r.errorMessage);
            return;
        }
        String model = Objects.requireNonNullElse(req.model(), "claude-fake");
        String messageId = "msg_fake_" + ids.incrementAndGet();
        boolean toolUse = r.blocks.stream().anyMatch(b -> b instanceof ToolUse);
        String stopReason = toolUse ? "tool_use" : "end_turn";
        long inputTokens = estimateTokens(req.body());
        long outputTokens = r.blocks.stream().mapToLong(b -> estimateTokens(blockText(b))).sum() + 1;

        if (!req.streaming()) {
            var content = new ArrayList<Object>();
            for (Block b : r.blocks) content.add(blockJson(b, true));
            var msg = new LinkedHashMap<String, Object>();
            msg.put("id", messageId);
            msg.put("type", "message");
            msg.put("role", "assistant");
            msg.put("model", model);
            msg.put("content", content);
            msg.put("stop_reason", stopReason);
            msg.put("stop_sequence", null);
            msg.put("usage", usage(inputTokens, outputTokens));
            sendJson(ex, 200, msg);
            return;
        }

        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.getResponseHeaders().set("request-id", "req_fake_" + ids.incrementAndGet());
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        var start = new LinkedHashMap<String, Object>();
        start.put("id", messageId);
        start.put("type", "message");
        start.put("role", "assistant");
        start.put("model", model);
        start.put("content", List.of());
        start.put("stop_reason", null);
        start.put("stop_sequence", null);
        start.put("usage", usage(inputTokens, 1));
        event(out, "message_start", Map.of("type", "message_start", "message", start));
        event(out, "ping", Map.of("type", "ping"));
        for (int i = 0; i < r.blocks.size(); i++) {
            Block b = r.blocks.get(i);
            event(out, "content_block_start",
                    Map.of("type", "content_block_start", "index", i, "content_block", blockJson(b, false)));
            String payload = switch (b) {
                case Text t -> t.text();
                case ToolUse u -> Json.write(u.input());
            };
            String deltaType = b instanceof Text ? "text_delta" : "input_json_delta";
            String field = b instanceof Text ? "text" : "partial_json";
            for (String piece : halves(payload)) {
                event(out, "content_block_delta", Map.of("type", "content_block_delta", "index", i,
                        "delta", Map.of("type", deltaType, field, piece)));
                pause();
            }
            event(out, "content_block_stop", Map.of("type", "content_block_stop", "index", i));
        }
        var delta = new LinkedHashMap<String, Object>();
        delta.put("stop_reason", stopReason);
        delta.put("stop_sequence", null);
        event(out, "message_delta", Map.of("type", "message_delta", "delta", delta,
                "usage", Map.of("output_tokens", outputTokens)));
        event(out, "message_stop", Map.of("type", "message_stop"));
    }

    /** Side calls ask for JSON matching a schema (the title: {"title": ...}); fill its string fields. */
    private Reply sideReply(Map<String, Object> json) {
        if (Json.at(json, "output_config", "format", "schema", "properties") instanceof Map<?, ?> props) {
            var answer = new LinkedHashMap<String, Object>();
            for (Object name : props.keySet()) answer.put((String) name, "Fake " + name);
            return new Reply(List.of(new Text(Json.write(answer))), 0, null, null);
        }
        return new Reply(List.of(new Text("OK")), 0, null, null);
    }

    private static Map<String, Object> blockJson(Block b, boolean complete) {
        var m = new LinkedHashMap<String, Object>();
        switch (b) {
            case Text t -> {
                m.put("type", "text");
                m.put("text", complete ? t.text() : "");
            }
            case ToolUse u -> {
                m.put("type", "tool_use");
                m.put("id", u.id());
                m.put("name", u.name());
                m.put("input", complete ? u.input() : Map.of());
            }
        }
        return m;
    }

    private static String blockText(Block b) {
        return switch (b) {
            case Text t -> t.text();
            case ToolUse u -> Json.write(u.input());
        };
    }

    private static Map<String, Object> usage(long input, long output) {
        var m = new LinkedHashMap<String, Object>();
        m.put("input_tokens", input);
        m.put("cache_creation_input_tokens", 0);
        m.put("cache_read_input_tokens", 0);
        m.put("output_tokens", output);
        return m;
    }

    /** Sends text in two deltas so the CLI really assembles a stream. */
    private static List<String> halves(String s) {
        if (s.length() < 2) return List.of(s);
        int mid = s.length() / 2;
        if (Character.isHighSurrogate(s.charAt(mid - 1))) mid++;
        return List.of(s.substring(0, mid), s.substring(mid));
    }

    private static void pause() {
        try {
            Thread.sleep(TEXT_CHUNK_PAUSE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void event(OutputStream out, String name, Object data) throws IOException {
        out.write(("event: " + name + "\ndata: " + Json.write(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void sendError(HttpExchange ex, int status, String type, String message) throws IOException {
        sendJson(ex, status, Map.of("type", "error", "error", Map.of("type", type, "message", message)));
    }

    private static String readBody(HttpExchange ex) throws IOException {
        InputStream in = ex.getRequestBody();
        String encoding = Objects.requireNonNullElse(ex.getRequestHeaders().getFirst("Content-Encoding"), "");
        if (encoding.equalsIgnoreCase("gzip")) in = new GZIPInputStream(in);
        else if (encoding.equalsIgnoreCase("deflate")) in = new InflaterInputStream(in);
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    private static Map<String, Object> parseJsonObject(String body) {
        if (body.isBlank()) return Map.of();
        try {
            return Json.parseObject(body);
        } catch (IllegalArgumentException e) {
            return Map.of();
        }
    }

    private static long estimateTokens(String s) {
        return Math.max(1, s.length() / 4);
    }

    @Override
    public void close() {
        handedOut.forEach(Reply::release);
        synchronized (this) {
            queue.forEach(Reply::release);
            routed.values().forEach(l -> l.forEach(Reply::release));
        }
        server.stop(0);
        executor.shutdownNow();
    }
}
