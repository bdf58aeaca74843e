package dev.anvillm.srv.claude;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fake's wire format, checked without Claude Code: what the CLI's SDK will parse. */
class FakeMessagesApiTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String CONVERSATION = """
            {"model":"claude-test","max_tokens":100,"stream":%s,
             "tools":[{"name":"Bash","input_schema":{"type":"object"}}],
             "messages":[{"role":"user","content":[{"type":"text","text":"hi there"}]}]}""";

    private FakeMessagesApi api;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        api = FakeMessagesApi.start();
    }

    @AfterEach
    void stop() {
        api.close();
        http.close();
    }

    @Test
    void aStreamedTextReplyFollowsTheMessagesEventSequence() throws Exception {
        api.replyText("Hello, stream.");
        var events = sse(post("/v1/messages?beta=true", CONVERSATION.formatted(true)).body());

        assertEquals(List.of("message_start", "ping", "content_block_start", "content_block_delta",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop"),
                events.stream().map(e -> e.getKey()).toList());
        var start = events.getFirst().getValue();
        assertEquals("claude-test", Json.at(start, "message", "model"));
        assertEquals("assistant", Json.at(start, "message", "role"));
        var text = new StringBuilder();
        for (var e : events)
            if (e.getKey().equals("content_block_delta")) {
                assertEquals("text_delta", Json.at(e.getValue(), "delta", "type"));
                text.append(Json.at(e.getValue(), "delta", "text"));
            }
        assertEquals("Hello, stream.", text.toString());
        assertEquals("end_turn", Json.at(events.get(6).getValue(), "delta", "stop_reason"));
    }

    @Test
    void aToolUseStreamsItsInputAsJsonDeltasAndStopsForTheTool() throws Exception {
        api.replyToolUse("Bash", Map.of("command", "echo hi"));
        var events = sse(post("/v1/messages", CONVERSATION.formatted(true)).body());

        var blockStart = events.stream().filter(e -> e.getKey().equals("content_block_start")).findFirst().orElseThrow();
        assertEquals("tool_use", Json.at(blockStart.getValue(), "content_block", "type"));
        assertEquals("Bash", Json.at(blockStart.getValue(), "content_block", "name"));
        var json = new StringBuilder();
        for (var e : events)
            if (e.getKey().equals("content_block_delta")) {
                assertEquals("input_json_delta", Json.at(e.getValue(), "delta", "type"));
                json.append(Json.at(e.getValue(), "delta", "partial_json"));
            }
        assertEquals(Map.of("command", "echo hi"), Json.parse(json.toString()));
        var delta = events.stream().filter(e -> e.getKey().equals("message_delta")).findFirst().orElseThrow();
        assertEquals("tool_use", Json.at(delta.getValue(), "delta", "stop_reason"));
    }

    @Test
    void withoutStreamTheReplyIsOneMessageObject() throws Exception {
        api.replyText("Whole message.");
        var response = post("/v1/messages", CONVERSATION.formatted(false));

        assertEquals(200, response.statusCode());
        var message = Json.parseObject(response.body());
        assertEquals("message", message.get("type"));
        assertEquals("Whole message.", Json.at(message, "content", 0, "text"));
        assertEquals("end_turn", message.get("stop_reason"));
    }

    @Test
    void sideRequestsGetASchemaShapedAnswerAndLeaveTheQueueAlone() throws Exception {
        api.replyText("for the conversation");
        var side = post("/v1/messages", """
                {"model":"m","max_tokens":100,"stream":false,"tools":[],
                 "messages":[{"role":"user","content":"name it"}],
                 "output_config":{"format":{"type":"json_schema","schema":{"type":"object",
                   "properties":{"title":{"type":"string"}},"required":["title"]}}}}""");
        assertEquals(Map.of("title", "Fake title"), Json.parse((String) Json.at(Json.parse(side.body()), "content", 0, "text")));

        var main = post("/v1/messages", CONVERSATION.formatted(false));
        assertEquals("for the conversation", Json.at(Json.parse(main.body()), "content", 0, "text"));
        assertEquals(List.of(FakeMessagesApi.Kind.SIDE, FakeMessagesApi.Kind.CONVERSATION),
                api.requests().stream().map(FakeMessagesApi.Request::kind).toList());
    }

    @Test
    void whenTheQueueIsEmptyTheDefaultReplyAnswers() throws Exception {
        api.defaultReply("default words");
        var main = post("/v1/messages", CONVERSATION.formatted(false));
        assertEquals("default words", Json.at(Json.parse(main.body()), "content", 0, "text"));
    }

    @Test
    void aHeldReplyWaitsForReleaseAndTheRequestIsRecordedMeanwhile() throws Exception {
        var held = api.replyText("late").heldUntilReleased();
        CompletableFuture<HttpResponse<String>> pending = http.sendAsync(request("/v1/messages", CONVERSATION.formatted(false)),
                HttpResponse.BodyHandlers.ofString());

        var recorded = api.awaitConversationRequest(1, WAIT);
        assertTrue(recorded.mentions("hi there"));
        assertEquals(List.of("user"), recorded.roles());
        assertFalse(pending.isDone());
        held.release();
        assertEquals("late", Json.at(Json.parse(pending.get().body()), "content", 0, "text"));
    }

    @Test
    void scriptedErrorsUseTheApiErrorShape() throws Exception {
        api.replyError(529, "overloaded_error", "Overloaded");
        var response = post("/v1/messages", CONVERSATION.formatted(true));
        assertEquals(529, response.statusCode());
        assertEquals("overloaded_error", Json.at(Json.parse(response.body()), "error", "type"));
    }

    @Test
    void unknownPathsAre404AndListed() throws Exception {
        var response = http.send(HttpRequest.newBuilder(api.baseUrl().resolve("/v1/whatever")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, response.statusCode());
        assertEquals(List.of("GET /v1/whatever"), api.unknownPaths());
        var tokens = post("/v1/messages/count_tokens", CONVERSATION.formatted(false));
        assertTrue(((Number) Json.at(Json.parse(tokens.body()), "input_tokens")).longValue() > 0);
    }

    @Test
    void awaitingARequestThatNeverComesFailsWithWhatDid() {
        var error = assertThrows(AssertionError.class,
                () -> api.awaitConversationRequest(1, Duration.ofMillis(100)));
        assertTrue(error.getMessage().contains("0 matched of 0 received"), error.getMessage());
    }

    private HttpRequest request(String path, String body) {
        return HttpRequest.newBuilder(URI.create(api.baseUrl() + path))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(request(path, body), HttpResponse.BodyHandlers.ofString());
    }

    /** Parses "event: x\ndata: {...}\n\n" frames into (name, data) pairs. */
    private static List<Map.Entry<String, Object>> sse(String body) {
        var events = new ArrayList<Map.Entry<String, Object>>();
        for (String frame : body.split("\n\n")) {
            if (frame.isBlank()) continue;
            String name = null;
            String data = null;
            for (String line : frame.split("\n")) {
                if (line.startsWith("event: ")) name = line.substring(7);
                if (line.startsWith("data: ")) data = line.substring(6);
            }
            var parsed = Json.parse(data);
            assertEquals(name, Json.at(parsed, "type"), "event name and data type agree");
            events.add(Map.entry(name, parsed));
        }
        return events;
    }
}
