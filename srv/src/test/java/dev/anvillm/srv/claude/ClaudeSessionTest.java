package dev.anvillm.srv.claude;

import dev.anvillm.srv.Agents;
import dev.anvillm.srv.Faults;
import dev.anvillm.srv.TestNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real Claude Code CLI as a session of the real daemon, sandboxed, talking to the loopback
 * fake Messages API: everything through the socket, as a user with `9p` would drive it.
 */
class ClaudeSessionTest {
    private static final Duration TURN = Duration.ofSeconds(60);
    @TempDir Path tmp;
    private FakeMessagesApi api;
    private TestNamespace ns;
    private Agents a;
    private Path project;
    private Process daemon;

    @BeforeEach
    void daemon() throws Exception {
        var cli = ClaudeHome.installedCli();
        assumeTrue(cli.isPresent(), "Claude Code CLI is not installed: run bin/install-claude-code (or set ANVILLM_CLAUDE)");
        api = FakeMessagesApi.start();
        ns = new TestNamespace(tmp);
        project = Files.createDirectories(tmp.resolve("project"));
        ClaudeHome home = ClaudeHome.create(Path.of(ns.env().get("HOME")), api.baseUrl(), List.of(project));
        ns.env().putAll(home.env());
        Path installed = cli.get().toRealPath();
        ns.backendsYaml("backends:\n  claude:\n    command: [\"" + cli.get() + "\", --dangerously-skip-permissions]\n");
        // the CLI lives in the project's .tools: readable and executable inside the sandbox
        Path tools = installed.getParent().getParent().getParent().getParent();
        Files.writeString(ns.locations().configDir().resolve("sandbox.yaml"), """
                filesystem:
                  rox: [/usr, /bin, /lib, /lib64, /etc, "%s"]
                """.formatted(tools));
        daemon = ns.fgstart();
        a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        if (ns != null) ns.close();
        if (api != null) api.close();
    }

    @Test
    void aPromptRunsAndTheModelsTextComesBackInReplyAndOut() throws Exception {
        var held = api.replyText("Hello from the fake model.").heldUntilReleased();
        String id = a.create("claude " + project + " alias=cc");
        a.awaitState(id, "idle");
        assertTrue(a.read(id + "/info").contains("sandbox\tlandlock"), a.read(id + "/info"));
        a.write(id + "/in", "Say hello.\n");
        a.awaitState(id, "running");
        held.release();
        assertEquals("Hello from the fake model.\n", a.read(id + "/reply"));
        assertEquals("idle", a.state(id));
        assertEquals("Hello from the fake model.\n\n", a.read(id + "/out"));
        assertTrue(api.awaitConversationRequest(1, TURN).mentions("Say hello."));
    }

    @Test
    void withHomeUnderTmpItStartsAndKeepsItsScratchFilesInItsOwnTmpdir() throws Exception {
        // HOME, config and state all under /tmp, as containers and CI run it: the sandbox cannot
        // give the session /tmp (the state directory is in it), so Claude Code needs $TMPDIR
        assertTrue(Path.of(ns.env().get("HOME")).startsWith("/tmp"), ns.env().get("HOME"));
        api.replyText("Started fine.");
        String id = a.create("claude " + project);
        a.write(id + "/in", "Are you there?\n");
        assertEquals("Started fine.\n", a.read(id + "/reply"));
        assertEquals("0", Faults.info(a, id, "restarts"), a.read(id + "/info"));
        assertTrue(Faults.infoAll(a, id, "sandbox-detail").stream().noneMatch(d -> d.matches("rwx? /tmp .*")), a.read(id + "/info"));
        Path tmpdir = ns.locations().namespaceDir().resolve("tmp").resolve(id);
        try (var made = Files.list(tmpdir)) {
            List<String> names = made.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().anyMatch(n -> n.startsWith("claude-")), "Claude Code's scratch directory is in $TMPDIR: " + names);
        }
    }

    @Test
    void itsApiKeyAndEndpointReachItWhenSandboxYamlsEnvListLeavesThemOut() throws Exception {
        Path yaml = ns.locations().configDir().resolve("sandbox.yaml");
        Files.writeString(yaml, Files.readString(yaml) + """
                env: [PATH, HOME, TERM, LANG, DISABLE_AUTOUPDATER, DISABLE_TELEMETRY, DISABLE_ERROR_REPORTING,
                      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY, DISABLE_INSTALLATION_CHECKS]
                """);
        api.replyText("Authenticated.");
        String id = a.create("claude " + project);
        a.write(id + "/in", "Who are you?\n");
        assertEquals("Authenticated.\n", a.read(id + "/reply"));
        String info = a.read(id + "/info");
        assertEquals("ANTHROPIC_API_KEY ANTHROPIC_BASE_URL (not set: ANTHROPIC_AUTH_TOKEN)", Faults.info(a, id, "backend-env"), info);
        assertFalse(info.contains(ns.env().get("ANTHROPIC_API_KEY")), "names, never values");
    }

    @Test
    void aTenKilobyteMultiLinePromptIn4KChunksReachesTheModelAsOneRequest() throws Exception {
        api.defaultReply("Read it all.");
        String id = a.create("claude " + project);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 10_240; i++) sb.append("line ").append(i).append(": some text of a long prompt\n");
        String prompt = sb.toString();
        a.write(id + "/in", prompt);
        assertEquals("Read it all.\n", a.read(id + "/reply"));
        List<FakeMessagesApi.Request> turns = api.conversationRequests();
        assertEquals(1, turns.size(), "one prompt, one request");
        String sent = turns.getFirst().messagesText();
        for (String line : List.of("line 0: some text", "line 100: some text", prompt.lines().reduce((x, y) -> y).orElseThrow())) {
            assertTrue(sent.contains(line), "missing from the request: " + line);
        }
    }

    @Test
    void aPromptWrittenWhileTheFirstRunsIsQueuedAndAnsweredAfterIt() throws Exception {
        var first = api.replyText("First answer.").heldUntilReleased();
        api.replyText("Second answer.");
        String id = a.create("claude " + project);
        a.awaitState(id, "idle");
        a.write(id + "/in", "First question.\n");
        a.awaitState(id, "running");
        a.write(id + "/in", "Second question.\n");
        assertTrue(a.read(id + "/info").contains("queued\t1"), a.read(id + "/info"));
        first.release();
        assertEquals("Second answer.\n", a.read(id + "/reply"));
        assertEquals("First answer.\n\nSecond answer.\n\n", a.read(id + "/out"));
        var second = api.awaitConversationRequest(2, TURN);
        assertTrue(second.mentions("First question.") && second.mentions("Second question."), "the second turn carries the first");
    }

    @Test
    void aQuestionFromTheModelShowsWaitingUntilAnswered() throws Exception {
        api.replyToolUse("AskUserQuestion", Map.of("questions", List.of(Map.of(
                "question", "Which colour should the button be?", "header", "Colour", "multiSelect", false,
                "options", List.of(Map.of("label", "Red", "description", "warm"), Map.of("label", "Blue", "description", "cool"))))));
        api.replyText("Red it is.");
        String id = a.create("claude " + project);
        a.awaitState(id, "idle");
        a.write(id + "/in", "Ask me something.\n");
        a.awaitState(id, "waiting");
        a.awaitScreen(id, "Which colour should the button be?");
        // the dialog is drawn a moment before it takes keys: press Enter (picks "1. Red") as a
        // person would, again if it is still asking two seconds later
        long deadline = System.nanoTime() + TURN.toNanos();
        do {
            a.keys(id, "Enter");
            long retry = System.nanoTime() + 2_000_000_000L;
            while (a.state(id).equals("waiting") && System.nanoTime() < retry) Thread.sleep(50); // polling, with a deadline
        } while (a.state(id).equals("waiting") && System.nanoTime() < deadline);
        assertEquals("Red it is.\n", a.read(id + "/reply"));
        assertEquals("idle", a.state(id));
    }

    @Test
    void theModelsBashToolCannotWriteOutsideTheSessionDirectory() throws Exception {
        Path outside = tmp.resolve("outside.txt");
        api.replyToolUse("Bash", Map.of("command", "echo escaped > " + outside + "; echo inside > " + project.resolve("inside.txt"),
                "description", "write two files"));
        api.replyText("Done.");
        String id = a.create("claude " + project);
        a.write(id + "/in", "Write the files.\n");
        assertEquals("Done.\n", a.read(id + "/reply"));
        assertTrue(Files.exists(project.resolve("inside.txt")), "a write inside the session directory works");
        assertFalse(Files.exists(outside), "a write outside the session directory must not happen");
        var toolResult = api.awaitConversationRequest(2, TURN);
        assertTrue(toolResult.messagesText().contains("ermission denied"), toolResult.messagesText());
        assertEquals("idle", a.state(id), "the session carries on");
    }

    private long pid(String id) throws Exception {
        return Faults.pid(a, id);
    }

    @Test
    void aKilledClaudeIsRestartedWithTheSameConversation() throws Exception {
        api.replyText("Noted.");
        api.replyText("The word was banana.");
        String id = a.create("claude " + project);
        a.write(id + "/in", "Remember the word banana.\n");
        assertEquals("Noted.\n", a.read(id + "/reply"));
        String conversation = a.read(id + "/info").lines().filter(l -> l.startsWith("conversation\t")).findFirst().orElseThrow();
        // Claude Code writes its transcript a little after the turn ends; a kill before that is
        // the other test's case (the conversation cannot be resumed)
        Path transcript = Path.of(a.read(id + "/info").lines().filter(l -> l.startsWith("transcript\t")).findFirst().orElseThrow().substring(11));
        long written = System.nanoTime() + TURN.toNanos();
        while (!Files.exists(transcript) || !Files.readString(transcript).contains("Noted.")) {
            assertTrue(System.nanoTime() < written, "no transcript at " + transcript);
            Thread.sleep(50); // polling a condition, with a deadline
        }
        long before = pid(id);
        Faults.kill9(before);
        Faults.awaitRestarted(a, id, before);
        String info = a.read(id + "/info");
        assertTrue(info.contains(conversation), "same conversation id\n" + info);
        assertTrue(info.contains("conversation " + conversation.substring("conversation\t".length()) + " resumed"), info);
        a.write(id + "/in", "What was the word?\n");
        assertEquals("The word was banana.\n", a.read(id + "/reply"));
        assertTrue(api.awaitConversationRequest(2, TURN).mentions("Remember the word banana."), "the resumed conversation carries the first turn");
        assertEquals("Noted.\n\nThe word was banana.\n\n", a.read(id + "/out"), "out survives the restart");
    }

    @Test
    void aDaemonKilledUnderARunningClaudeReadoptsItWithoutRestarting() throws Exception {
        var held = api.replyText("Finished while the daemon was away.").heldUntilReleased();
        String id = a.create("claude " + project + " alias=survivor");
        a.awaitState(id, "idle");
        a.write(id + "/in", "Take your time.\n");
        a.awaitState(id, "running");
        long pid = pid(id);
        a.close();
        daemon.toHandle().destroyForcibly();
        daemon.waitFor();
        held.release();
        daemon = ns.fgstart();
        a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
        assertEquals("Finished while the daemon was away.\n", a.read("survivor/reply"));
        assertEquals(pid, pid(id), "re-adopted, not restarted");
        assertEquals("idle", a.state(id));
        assertEquals("Finished while the daemon was away.\n\n", a.read(id + "/out"));
    }

    @Test
    void aConversationThatCannotBeResumedStartsFreshAndTheLogSaysWhy() throws Exception {
        api.defaultReply("Fresh start.");
        String id = a.create("claude " + project);
        a.awaitState(id, "idle");
        // no prompt yet: Claude Code has written no transcript, so --resume finds nothing
        long before = pid(id);
        Faults.kill9(before);
        Faults.awaitRestarted(a, id, before);
        String log = a.logSoFar(id);
        assertTrue(log.contains("cannot be resumed") || log.contains("could not be resumed"), log);
        assertTrue(log.contains("starting a fresh one"), log);
        a.write(id + "/in", "Hello again.\n");
        assertEquals("Fresh start.\n", a.read(id + "/reply"));
    }
}
