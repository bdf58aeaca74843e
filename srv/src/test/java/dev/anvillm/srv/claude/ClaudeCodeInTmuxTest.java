package dev.anvillm.srv.claude;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real Claude Code CLI (installed by bin/install-claude-code) in a private tmux server, talking
 * to {@link FakeMessagesApi} on loopback. Pins down what the daemon relies on: hooks, transcript,
 * screen markers, prompt delivery by bracketed paste, resume, permission dialogs. The screens it
 * sees are printed to the test output (target/surefire-reports/*-output.txt) for docs/claude-code.md.
 */
@Timeout(180)
class ClaudeCodeInTmuxTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration TURN = Duration.ofSeconds(60);
    /** The input box: "❯" and a NO-BREAK SPACE (earlier prompts in the scrollback use a plain space). */
    private static final String INPUT_BOX = "\u276f\u00a0";
    private static final String BUSY = "esc to interrupt";
    private static final List<String> HOOK_EVENTS = List.of("SessionStart", "UserPromptSubmit", "Stop",
            "Notification", "PreToolUse", "PostToolUse", "PermissionRequest", "SessionEnd");

    private static Path cli;

    @TempDir Path tmp;
    private FakeMessagesApi api;
    private ClaudeHome home;
    private TmuxServer tmux;
    private Path project;
    private Path hookFile;
    private Path settings;
    private String testName;

    @BeforeAll
    static void findCli() {
        var installed = ClaudeHome.installedCli();
        assumeTrue(installed.isPresent(),
                "Claude Code CLI is not installed: run bin/install-claude-code (or set ANVILLM_CLAUDE)");
        cli = installed.get();
    }

    @BeforeEach
    void setUp(TestInfo info) throws IOException {
        testName = info.getDisplayName();
        api = FakeMessagesApi.start();
        project = Files.createDirectories(tmp.resolve("my project")).toRealPath();
        home = ClaudeHome.create(Files.createDirectories(tmp.resolve("home")), api.baseUrl(), List.of(project));
        hookFile = tmp.resolve("hooks.jsonl");
        settings = tmp.resolve("anvillm-settings.json");
        ClaudeHome.writeHookSettings(settings, HOOK_EVENTS);
        tmux = new TmuxServer(tmp);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (tmux != null) tmux.close();
        if (api != null) api.close();
    }

    @Test
    void aMultiLinePasteIsOnePromptAndTheReplyLandsInTranscriptAndHooks() throws Exception {
        UUID id = UUID.randomUUID();
        String reply = "The fake model read all five lines.\nIt answers on two lines.";
        var held = api.replyText(reply).heldUntilReleased();
        start("c1", "--dangerously-skip-permissions", "--session-id", id.toString());

        Map<String, Object> sessionStart = awaitHook("SessionStart", 1);
        assertEquals(id.toString(), sessionStart.get("session_id"));
        assertEquals("startup", sessionStart.get("source"));
        assertEquals(home.transcript(project, id).toString(), sessionStart.get("transcript_path"));
        assertEquals(project.toString(), sessionStart.get("cwd"));

        String prompt = "Please read these lines:\nline two\nline three has \"quotes\" and $dollars\nline four\nline five";
        deliver("c1", prompt);
        Map<String, Object> submit = awaitHook("UserPromptSubmit", 1);
        // More than two newlines (or more than 800 characters) and the CLI collapses the paste into a
        // "[Pasted text #1 +4 lines]" placeholder and sends it wrapped in <pasted_content id="...">.
        assertTrue(((String) submit.get("prompt")).contains(prompt), "hook prompt: " + submit.get("prompt"));

        var request = api.awaitConversationRequest(1, TURN);
        assertTrue(request.mentions(prompt), "the request carries the whole prompt: " + request.messagesText());
        assertTrue(request.streaming());
        assertEquals(id.toString(), request.header("X-Claude-Code-Session-Id"));
        String busy = tmux.awaitScreen("c1", s -> s.contains(BUSY), TURN, "the busy marker");
        log("busy while the model answers", busy);
        held.release();

        Map<String, Object> stop = awaitHook("Stop", 1);
        long stopSeen = System.nanoTime();
        assertEquals(reply, stop.get("last_assistant_message"));
        var transcript = awaitTranscript(id, t -> reply.equals(finalAssistantText(t)), "the reply in the transcript");
        log("transcript complete after the Stop hook", (System.nanoTime() - stopSeen) / 1_000_000 + " ms");
        String ready = awaitReady("c1");
        assertTrue(ready.contains("The fake model read all five lines."), ready);
        log("ready after the turn", ready);

        assertEquals(1, api.conversationRequests().size(), "one prompt, one model call");
        assertEquals(1, api.conversationRequests().stream().filter(r -> r.mentions(prompt)).count());
        assertTrue(humanPrompts(transcript).getFirst().contains(prompt), "transcript user line: " + humanPrompts(transcript));
        log("hook lines", String.join("\n", Files.readAllLines(hookFile)));
        log("requests", api.requests().stream().map(r -> r.kind() + " " + r.method() + " " + r.path()).toList().toString());
    }

    @Test
    void sideRequestsGetTheirOwnAnswersAndLeaveTheScriptToTheConversation() throws Exception {
        UUID id = UUID.randomUUID();
        api.replyText("Scripted answer for the conversation.");
        var env = new LinkedHashMap<>(home.env());
        env.remove("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"); // as a user would run it: title call, /api/hello
        start("c1", env, "--dangerously-skip-permissions", "--session-id", id.toString());
        deliver("c1", "Name this session.");

        assertEquals("Scripted answer for the conversation.", awaitHook("Stop", 1).get("last_assistant_message"));
        var side = api.awaitRequest(1, r -> r.kind() == FakeMessagesApi.Kind.SIDE, TURN);
        assertTrue(side.toolNames().isEmpty());
        assertEquals(1, api.conversationRequests().size());
        log("requests", api.requests().stream().map(r -> r.kind() + " " + r.method() + " " + r.path()
                + (r.kind() == FakeMessagesApi.Kind.SIDE ? " system: " + abbreviate(r.systemText()) : "")).toList().toString());
    }

    @Test
    void resumeContinuesTheSameConversationAndSlashExitQuitsCleanly() throws Exception {
        UUID id = UUID.randomUUID();
        api.replyText("I will remember PINEAPPLE.");
        start("first", "--dangerously-skip-permissions", "--session-id", id.toString());
        deliver("first", "Remember the word PINEAPPLE.");
        awaitHook("Stop", 1);
        awaitReady("first");

        tmux.paste("first", "/exit");
        tmux.awaitScreen("first", s -> s.contains("/exit"), TURN, "/exit in the input box");
        tmux.sendKeys("first", "Enter");
        assertEquals(0, tmux.awaitExit("first", TURN));
        Map<String, Object> end = awaitHook("SessionEnd", 1);
        assertEquals("prompt_input_exit", end.get("reason"));
        log("after /exit", tmux.capture("first"));

        api.replyText("You asked me to remember PINEAPPLE.");
        start("second", "--dangerously-skip-permissions", "--resume", id.toString());
        Map<String, Object> resumed = awaitHook("SessionStart", 2);
        assertEquals("resume", resumed.get("source"));
        assertEquals(id.toString(), resumed.get("session_id"));
        log("resumed screen", tmux.capture("second"));
        deliver("second", "Which word?");
        var second = api.awaitConversationRequest(2, TURN);
        assertTrue(second.mentions("Remember the word PINEAPPLE."), second.messagesText());
        assertTrue(second.mentions("I will remember PINEAPPLE."), second.messagesText());
        assertTrue(second.mentions("Which word?"));
        assertEquals(id.toString(), second.header("X-Claude-Code-Session-Id"));
        awaitHook("Stop", 2);

        var transcript = awaitTranscript(id, t -> "You asked me to remember PINEAPPLE.".equals(finalAssistantText(t)),
                "the second reply in the same transcript");
        assertEquals(List.of("Remember the word PINEAPPLE.", "Which word?"), humanPrompts(transcript));
        log("roles of the resumed request", second.roles().toString());
    }

    @Test
    void resumingAnUnknownConversationExitsWithAnError() throws Exception {
        UUID unknown = UUID.randomUUID();
        launch("c1", "--dangerously-skip-permissions", "--resume", unknown.toString());
        assertEquals(1, tmux.awaitExit("c1", STARTUP));
        String screen = tmux.captureWithHistory("c1");
        assertTrue(screen.contains("No conversation found with session ID: " + unknown), screen);
        log("resume of an unknown id", screen);
        log("hook lines", Files.exists(hookFile) ? String.join("\n", Files.readAllLines(hookFile)) : "(none)");
    }

    @Test
    void ctrlCTwiceQuitsCleanlyAndAnUnusedSessionLeavesNoTranscript() throws Exception {
        UUID id = UUID.randomUUID();
        start("c1", "--dangerously-skip-permissions", "--session-id", id.toString());
        tmux.sendKeys("c1", "C-c");
        log("after one Ctrl-C", tmux.awaitScreen("c1", s -> s.contains("Press Ctrl-C again to exit"), TURN, "the exit hint"));
        tmux.sendKeys("c1", "C-c");
        assertEquals(0, tmux.awaitExit("c1", TURN));
        assertEquals("prompt_input_exit", awaitHook("SessionEnd", 1).get("reason"));
        assertFalse(Files.exists(home.transcript(project, id)), "no transcript until the first prompt");
    }

    @Test
    void withPermissionsSkippedABashToolCallJustRuns() throws Exception {
        UUID id = UUID.randomUUID();
        api.reply(new FakeMessagesApi.Text("Running it."),
                new FakeMessagesApi.ToolUse("toolu_fake_bash1", "Bash",
                        Map.of("command", "echo tool-ran > out.txt", "description", "Write out.txt")));
        api.replyText("The command ran.");
        start("c1", "--dangerously-skip-permissions", "--session-id", id.toString());
        deliver("c1", "Run the command.");

        Map<String, Object> stop = awaitHook("Stop", 1);
        assertEquals("The command ran.", stop.get("last_assistant_message"));
        assertEquals("tool-ran\n", Files.readString(project.resolve("out.txt")));
        Map<String, Object> pre = awaitHook("PreToolUse", 1);
        assertEquals("Bash", pre.get("tool_name"));
        assertEquals("toolu_fake_bash1", pre.get("tool_use_id"));
        awaitHook("PostToolUse", 1);
        assertTrue(hookLines().stream().noneMatch(h -> h.get("hook_event_name").equals("PermissionRequest")),
                "no permission asked");

        var second = api.awaitConversationRequest(2, TURN);
        assertTrue(second.messagesText().contains("Running it."));
        assertTrue(second.body().contains("\"tool_use_id\":\"toolu_fake_bash1\""), "the tool result goes back");
        var transcript = awaitTranscript(id, t -> "The command ran.".equals(finalAssistantText(t)), "the final reply");
        log("transcript lines (type, content block types)", transcript.stream()
                .filter(l -> List.of("user", "assistant").contains(l.get("type")))
                .map(l -> l.get("type") + " " + describeContent(Json.at(l, "message", "content"))
                        + " stop_reason=" + Json.at(l, "message", "stop_reason"))
                .collect(Collectors.joining("\n")));
        log("screen after the tool turn", awaitReady("c1"));
    }

    @Test
    void withoutSkippingPermissionsABashCallWaitsOnADialogAndNotifies() throws Exception {
        UUID id = UUID.randomUUID();
        api.replyToolUse("Bash", Map.of("command", "echo approved > approved.txt", "description", "Write approved.txt"));
        api.replyText("Approved and done.");
        // The default mode is now "auto" (a classifier lets harmless commands through); "manual" always asks.
        start("c1", "--permission-mode", "manual", "--session-id", id.toString());
        deliver("c1", "Write the file.");

        Map<String, Object> permission = awaitHook("PermissionRequest", 1);
        assertEquals("Bash", permission.get("tool_name"));
        String dialog = tmux.awaitScreen("c1", s -> s.contains("Do you want to proceed?"), TURN, "the permission dialog");
        log("permission dialog", dialog);
        long shown = System.nanoTime();
        Map<String, Object> note = awaitHook("Notification", 1);
        log("Notification came after", (System.nanoTime() - shown) / 1_000_000 + " ms");
        assertEquals("permission_prompt", note.get("notification_type"));
        assertEquals("Claude needs your permission", note.get("message"));
        assertFalse(Files.exists(project.resolve("approved.txt")));

        tmux.sendKeys("c1", "Enter"); // "1. Yes" is preselected
        awaitHook("Stop", 1);
        assertEquals("approved\n", Files.readString(project.resolve("approved.txt")));
        log("hook lines", String.join("\n", Files.readAllLines(hookFile)));
    }

    @Test
    void aQuestionFromTheModelWaitsOnTheUserEvenWithPermissionsSkipped() throws Exception {
        UUID id = UUID.randomUUID();
        api.replyToolUse("AskUserQuestion", Map.of("questions", List.of(Map.of(
                "question", "Which colour should the button be?",
                "header", "Colour",
                "multiSelect", false,
                "options", List.of(Map.of("label", "Red", "description", "warm"),
                        Map.of("label", "Blue", "description", "cool"))))));
        api.replyText("Red it is.");
        start("c1", "--dangerously-skip-permissions", "--session-id", id.toString());
        deliver("c1", "Ask me something.");

        Map<String, Object> permission = awaitHook("PermissionRequest", 1);
        assertEquals("AskUserQuestion", permission.get("tool_name"));
        String dialog = tmux.awaitScreen("c1", s -> s.contains("Which colour should the button be?"), TURN, "the question");
        log("question dialog", dialog);
        Map<String, Object> note = awaitHook("Notification", 1);
        assertEquals("permission_prompt", note.get("notification_type"));

        tmux.sendKeys("c1", "Enter"); // picks "1. Red"
        var answer = api.awaitConversationRequest(2, TURN);
        assertTrue(answer.messagesText().contains("Red"), answer.messagesText());
        assertEquals("Red it is.", awaitHook("Stop", 1).get("last_assistant_message"));
    }

    // ---- helpers: what the daemon will do, in test form ----

    /** Starts Claude Code and waits for its input prompt. */
    private void start(String session, String... args) throws IOException, InterruptedException {
        start(session, home.env(), args);
    }

    private void start(String session, Map<String, String> env, String... args) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        launch(session, env, args);
        awaitReady(session);
        log("startup to the input prompt", (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    private void launch(String session, String... args) throws IOException {
        launch(session, home.env(), args);
    }

    private void launch(String session, Map<String, String> baseEnv, String... args) throws IOException {
        var argv = new ArrayList<>(List.of(cli.toString(), "--settings", settings.toString()));
        argv.addAll(List.of(args));
        var env = new LinkedHashMap<>(baseEnv);
        env.put("ANVILLM_HOOK_FILE", hookFile.toString());
        tmux.newSession(session, project, env, argv);
    }

    /** Ready for input: the input box is drawn and the footer does not offer "esc to interrupt". */
    private String awaitReady(String session) throws IOException, InterruptedException {
        return tmux.awaitScreen(session, s -> s.contains(INPUT_BOX) && !s.contains(BUSY), STARTUP, "the input prompt");
    }

    /** Bracketed paste, wait until the input box shows it, then Enter. */
    private void deliver(String session, String prompt) throws IOException, InterruptedException {
        tmux.paste(session, prompt);
        String firstLine = prompt.lines().findFirst().orElse("");
        String shown = tmux.awaitScreen(session, s -> s.contains(INPUT_BOX + firstLine) || s.contains("[Pasted text #"),
                TURN, "the pasted prompt in the input box");
        log("pasted, before Enter", shown);
        tmux.sendKeys(session, "Enter");
    }

    private List<Map<String, Object>> hookLines() throws IOException {
        return Files.exists(hookFile) ? readJsonLines(hookFile) : List.of();
    }

    /** The {@code n}th (1-based) hook line for {@code event}, waiting for it. */
    private Map<String, Object> awaitHook(String event, int n) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TURN.toNanos();
        while (System.nanoTime() < deadline) {
            var matching = hookLines().stream().filter(h -> event.equals(h.get("hook_event_name"))).toList();
            if (matching.size() >= n) return matching.get(n - 1);
            Thread.sleep(50);
        }
        throw new AssertionError("no " + event + " hook #" + n + " within " + TURN + "; hook lines: " + hookLines());
    }

    /**
     * Polls the transcript until {@code done} holds. The transcript is written asynchronously: when
     * the Stop hook runs, the turn's last lines may not be in the file yet.
     */
    private List<Map<String, Object>> awaitTranscript(UUID id, Predicate<List<Map<String, Object>>> done, String what)
            throws IOException, InterruptedException {
        Path file = home.transcript(project, id);
        long deadline = System.nanoTime() + TURN.toNanos();
        List<Map<String, Object>> lines = List.of();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                lines = readJsonLines(file);
                if (done.test(lines)) return lines;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what + " in " + file + "; " + lines.size() + " lines");
    }

    private static String describeContent(Object content) {
        if (content instanceof String s) return "text \"" + s + "\"";
        if (content instanceof List<?> blocks)
            return blocks.stream().map(b -> (String) Json.at(b, "type")).toList().toString();
        return String.valueOf(content);
    }

    static List<Map<String, Object>> readJsonLines(Path file) throws IOException {
        var lines = new ArrayList<Map<String, Object>>();
        for (String line : Files.readAllLines(file)) if (!line.isBlank()) lines.add(Json.parseObject(line));
        return lines;
    }

    /** Prompts a person typed: user lines whose content is a plain string (tool results are block lists). */
    static List<String> humanPrompts(List<Map<String, Object>> transcript) {
        return transcript.stream()
                .filter(l -> "user".equals(l.get("type")) && !Boolean.TRUE.equals(l.get("isMeta")))
                .map(l -> Json.at(l, "message", "content"))
                .filter(String.class::isInstance).map(String.class::cast).toList();
    }

    /**
     * The text of the last assistant message that ended its turn ({@code stop_reason} end_turn).
     * Claude Code writes one line per content block, each repeating the whole message's id and
     * stop_reason, so the text is the text blocks of all lines sharing that message id.
     */
    static String finalAssistantText(List<Map<String, Object>> transcript) {
        Predicate<Map<String, Object>> assistant = l -> "assistant".equals(l.get("type"));
        var last = transcript.reversed().stream().filter(assistant)
                .filter(l -> "end_turn".equals(Json.at(l, "message", "stop_reason"))).findFirst().orElse(null);
        if (last == null) return null;
        Object messageId = Json.at(last, "message", "id");
        var sb = new StringBuilder();
        for (var l : transcript) {
            if (!assistant.test(l) || !Objects.equals(messageId, Json.at(l, "message", "id"))) continue;
            if (Json.at(l, "message", "content") instanceof List<?> blocks)
                for (Object b : blocks) if ("text".equals(Json.at(b, "type"))) sb.append((String) Json.at(b, "text"));
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        String flat = s.replace('\n', ' ');
        return flat.length() <= 160 ? flat : flat.substring(0, 160) + "…";
    }

    private void log(String what, String text) {
        System.out.println("=== " + testName + ": " + what + "\n" + text.stripTrailing() + "\n");
    }
}
