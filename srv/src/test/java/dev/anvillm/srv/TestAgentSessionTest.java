package dev.anvillm.srv;

import dev.anvillm.ninep.client.RerrorException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Sessions of the project's test agent, driven through the daemon's socket as a user would. */
class TestAgentSessionTest extends DaemonFixture {
    @BeforeEach
    void daemon() throws Exception {
        startDaemon("""
                backends:
                  quick:
                    extends: testagent
                    args: [--work-ms, "50"]
                  slow:
                    extends: testagent
                    args: [--work-ms, "1500"]
                """);
    }

    static String expectedReply(String prompt, int turn) throws Exception {
        byte[] b = prompt.getBytes(StandardCharsets.UTF_8);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)).substring(0, 12);
        long lines = prompt.chars().filter(c -> c == '\n').count() + (prompt.endsWith("\n") ? 0 : 1);
        String first = prompt.lines().findFirst().orElse("");
        if (first.length() > 80) first = first.substring(0, 80);
        return "echo: " + first + " [" + b.length + " bytes, " + lines + " lines, sha256 " + sha + ", turn " + turn + "]";
    }

    @Test
    void aNewSessionBecomesIdleAndAnswersAPromptInReplyOutAndLog() throws Exception {
        String id = a.create("quick " + project + " alias=dev");
        assertTrue(id.matches("[0-9a-f]{8}"), id);
        a.awaitState(id, "idle");
        assertTrue(a.read("list").matches(id + "\tdev\tidle\t[1-9]\\d*\t" + project + "\n"), a.read("list"));

        a.write(id + "/in", "hello world\n");
        String reply = a.read(id + "/reply");
        String diagnosis = reply.isEmpty() ? a.read(id + "/info") + a.logSoFar(id) : "";
        assertEquals(expectedReply("hello world\n", 1) + "\n", reply, diagnosis);
        assertEquals("idle", a.state(id));
        assertEquals(expectedReply("hello world\n", 1) + "\n\n", a.read(id + "/out"));
        String log = a.logSoFar(id);
        assertTrue(log.contains("USER: hello world\n") && log.contains("ASSISTANT: " + expectedReply("hello world\n", 1)), log);
        // reachable by alias, and pid is the backend's
        assertEquals(a.read(id + "/pid"), a.read("dev/pid"));
        assertTrue(ProcessHandle.of(Long.parseLong(a.read("dev/pid").strip())).isPresent());
    }

    @Test
    void aTenKilobyteMultiLinePromptSentIn4KChunksArrivesAsOnePrompt() throws Exception {
        String id = a.create("quick " + project);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 10_240; i++) sb.append("line ").append(i).append(" of a long prompt, with $(no) `shell` 'quotes' \"here\"\n");
        String prompt = sb.toString();
        a.write(id + "/in", prompt);
        assertEquals(expectedReply(prompt, 1) + "\n", a.read(id + "/reply"));
    }

    @Test
    void aPromptWrittenWhileTheFirstRunsIsQueuedAndAnsweredAfterIt() throws Exception {
        String id = a.create("slow " + project);
        a.awaitState(id, "idle");
        a.write(id + "/in", "first\n");
        a.awaitState(id, "running");
        a.write(id + "/in", "second\n");
        assertTrue(a.read(id + "/info").contains("queued\t1"), a.read(id + "/info"));
        assertEquals(expectedReply("second\n", 2) + "\n", a.read(id + "/reply"));
        assertEquals(expectedReply("first\n", 1) + "\n\n" + expectedReply("second\n", 2) + "\n\n", a.read(id + "/out"));
    }

    @Test
    void aQuestionShowsWaitingUntilAnsweredInTheTerminal() throws Exception {
        String id = a.create("quick " + project);
        a.awaitState(id, "idle");
        a.write(id + "/in", "/ask deploy now?\n");
        a.awaitState(id, "waiting");
        a.awaitScreen(id, "? deploy now? (yes/no)");
        a.keys(id, "yes", "Enter");
        a.awaitState(id, "idle");
        assertEquals("answered: yes\n", a.read(id + "/reply"));
    }

    @Test
    void contextIsDeliveredAheadOfTheFirstPromptOfAConversation() throws Exception {
        String id = a.create("quick " + project);
        a.write(id + "/context", "You are the reviewer.\n");
        assertEquals("You are the reviewer.\n", a.read(id + "/context"));
        a.write(id + "/in", "look at this\n");
        assertEquals(expectedReply("You are the reviewer.\n\n\nlook at this\n", 1) + "\n", a.read(id + "/reply"));
        a.write(id + "/in", "and this\n");
        assertEquals(expectedReply("and this\n", 2) + "\n", a.read(id + "/reply"));
    }

    @Test
    void badInputGetsOneLineErrorsOnTheWrite() throws Exception {
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        assertError("unknown backend \"nope\"; known: claude, codex, gemini, kiro-cli, sh, testagent, quick, slow", () -> a.create("nope " + project));
        assertError("no such directory: " + tmp.resolve("missing"), () -> a.create("quick " + tmp.resolve("missing")));
        assertError("not a directory: " + file, () -> a.create("quick " + file));
        String id = a.create("quick " + project + " alias=taken");
        assertError("alias \"taken\" is taken by session " + id, () -> a.create("quick " + project + " alias=taken"));
        assertError("bad alias \"no way\": 1-64 of A-Z a-z 0-9 _ - and not 8 hex digits", () -> a.write(id + "/alias", "no way\n"));
        assertError("permission denied", () -> a.write(id + "/out", "x"));
        assertError("permission denied", () -> a.write("list", "x"));
        assertError("prompt too large: limit 1048576 bytes", () -> a.write(id + "/in", "x".repeat((1 << 20) + 1)));
        assertError("context too large: limit 65536 bytes", () -> a.write(id + "/context", "x".repeat(65537)));
        assertError("state accepts only 'idle' or 'running'", () -> a.write(id + "/state", "exploded\n"));
        a.write(id + "/ctl", "stop\n");
        assertEquals("stopped", a.state(id));
        assertError("session " + id + " is stopped; write 'start' to agent/" + id + "/ctl first", () -> a.write(id + "/in", "hi\n"));
        a.write(id + "/alias", "  renamed \n");
        assertEquals("renamed\n", a.read(id + "/alias"));
        for (String e : seen) assertTrue(!e.contains("\n") && e.getBytes(StandardCharsets.UTF_8).length < 128, "not one short line: " + e);
    }

    @Test
    void directoriesWithShellCharactersWorkLiterallyAndRunNothing() throws Exception {
        Path marker = tmp.resolve("pwned");
        for (String name : List.of("x$(touch " + marker + ")", "a;b", "it's \"quoted\"")) {
            // a name cannot hold '/', so the $(...) one is made under a parent whose name the command would need
            Path dir = Files.createDirectories(project.resolve(name.replace('/', '_')));
            // ctl quoting is a shell's: '...' holds anything but ', and quoted parts may touch
            String quoted = "'" + dir.toString().replace("'", "'\"'\"'") + "'";
            String id = a.create("quick " + quoted);
            a.awaitState(id, "idle");
            assertEquals(dir + "\n", a.read(id + "/cwd"));
            a.write(id + "/in", "pwd?\n");
            assertTrue(a.read(id + "/reply").startsWith("echo: pwd?"));
        }
        try (Stream<Path> all = Files.walk(tmp)) {
            assertTrue(all.noneMatch(p -> p.getFileName().toString().equals("pwned")), "a shell ran a directory name");
        }
    }

    @Test
    void killRemovesTheSessionAndItsDirectory() throws Exception {
        String id = a.create("quick " + project + " alias=gone");
        a.awaitState(id, "idle");
        long pid = Long.parseLong(a.read(id + "/pid").strip());
        a.write(id + "/ctl", "kill\n");
        assertEquals("", a.read("list"));
        assertError("file does not exist", () -> a.read("gone/state"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            assertTrue(System.nanoTime() < deadline, "backend still alive after kill");
            Thread.sleep(20); // polling a condition, with a deadline
        }
    }

    interface Call {
        void run() throws Exception;
    }

    /** Every error message the test has seen, to check they are all one short line. */
    private final List<String> seen = new java.util.ArrayList<>();

    private void assertError(String want, Call c) {
        Exception e = assertThrows(Exception.class, c::run);
        String got = e instanceof RerrorException r ? r.ename() : e.getMessage();
        seen.add(got);
        assertEquals(want, got);
    }
}
