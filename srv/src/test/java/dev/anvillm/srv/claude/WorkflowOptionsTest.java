package dev.anvillm.srv.claude;

import dev.anvillm.srv.session.TestSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the workflow scripts do themselves, fast and without Claude: one daemon for the class, whose
 * backend {@code quick} is the project's test agent (it answers each prompt with the prompt's size
 * and hash). Options, what reaches the sessions (whole, and never through a shell), usage errors.
 * Each test uses its own alias prefix.
 */
class WorkflowOptionsTest {
    @TempDir static Path tmp;
    private static WorkflowScript w;

    @BeforeAll
    static void start() throws Exception {
        w = WorkflowScript.withTestAgent(tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        if (w != null) w.close();
    }

    private String project() {
        return w.project.toString();
    }

    /** The aliases of the live sessions. */
    private List<String> aliases() throws Exception {
        return w.a.read("list").lines().map(l -> l.split("\t")[1]).toList();
    }

    /**
     * What the session with {@code alias} was prompted with, once its turn is over: the first USER
     * entry of its log (which does not tell a final newline).
     */
    private String prompted(String alias) throws Exception {
        w.a.read(alias + "/reply"); // waits while the prompt is queued or running
        String log = w.a.logSoFar(alias);
        int at = log.indexOf("USER: ");
        assertTrue(at >= 0, "no prompt in the log of " + alias + ":\n" + log);
        int end = log.indexOf("\nASSISTANT: ", at);
        assertTrue(end >= 0, "no answer in the log of " + alias + ":\n" + log);
        return log.substring(at + "USER: ".length(), end);
    }

    /** The test agent's reply says the size and hash of what it was given. */
    private static String sizeOf(String reply) {
        Matcher m = Pattern.compile("\\[(\\d+) bytes, \\d+ lines, sha256 ([0-9a-f]{12}),").matcher(reply);
        assertTrue(m.find(), reply);
        return m.group(1) + " " + m.group(2);
    }

    private static String sizeOfText(String text) throws Exception {
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(b);
        return b.length + " " + java.util.HexFormat.of().formatHex(sha).substring(0, 12);
    }

    @Test
    void whenTheTimeoutRunsOutItExitsOneAndLeavesTheSessions() throws Exception {
        // the test agent never messages a peer: no verdict ever comes
        WorkflowScript.Run run = w.run("DevReview", true, "quick", project(), "--prefix", "to", "--task", "hello", "--wait", "--timeout", "2s");
        assertEquals(1, run.exit(), run.report());
        assertTrue(run.out().contains("DevReview: no approval within 2s; sessions left for inspection: to-dev to-reviewer"), run.report());
        assertTrue(aliases().containsAll(List.of("to-dev", "to-reviewer")), "the sessions are left: " + w.a.read("list"));
        assertNotEquals("exited", w.a.state("to-dev"));
    }

    @Test
    void aTaskFileIsSentWhole() throws Exception {
        StringBuilder text = new StringBuilder("Fix the parser.\n\n  indented line\n'quotes' \"and\" $HOME `here`\n");
        for (int i = 0; text.length() < 6000; i++) text.append("detail ").append(i).append(": ").append("x".repeat(60)).append('\n');
        text.append("last line, no newline after it");
        Path file = tmp.resolve("task.txt");
        Files.writeString(file, text);
        WorkflowScript.Run run = w.run("DevReview", true, "quick", project(), "--prefix", "tf", "--task-file", file.toString());
        assertEquals(0, run.exit(), run.report());
        assertEquals(text.toString(), prompted("tf-dev"), "the file's text, whole, as the first prompt");
        assertEquals(sizeOfText(w.a.read("tf-dev/context") + "\n\n" + text), sizeOf(w.a.read("tf-dev/reply")),
                "the agent got the file's text, byte for byte, after its context");
    }

    @Test
    void theDefaultPrefixIsARandomWordAndTheAliasesArePrefixDashRole() throws Exception {
        String lib = Files.readString(TestSessions.projectHome().resolve("scripts/lib/workflow.sh"));
        Matcher words = Pattern.compile("WF_PREFIX_WORDS=\\(([a-z ]+)\\)").matcher(lib);
        assertTrue(words.find(), "the word list of workflow.sh");
        Pattern prefix = Pattern.compile("(" + words.group(1).replace(' ', '|') + ")[0-9]*");
        String first = null;
        for (int i = 0; i < 2; i++) {
            WorkflowScript.Run run = w.run("DevReview", true, "quick", project());
            assertEquals(0, run.exit(), run.report());
            List<String> lines = run.out().lines().toList();
            assertEquals(2, lines.size(), run.report());
            Matcher dev = Pattern.compile("(\\S+)-dev ([0-9a-f]{8})").matcher(lines.get(0));
            assertTrue(dev.matches(), run.report());
            String p = dev.group(1);
            assertTrue(prefix.matcher(p).matches(), "a word of the list: " + p);
            Matcher reviewer = Pattern.compile(Pattern.quote(p) + "-reviewer ([0-9a-f]{8})").matcher(lines.get(1));
            assertTrue(reviewer.matches(), run.report());
            assertEquals(p + "-dev", w.a.read(dev.group(2) + "/alias").strip());
            assertEquals(p + "-reviewer", w.a.read(reviewer.group(1) + "/alias").strip());
            if (first == null) first = p;
            else assertNotEquals(first, p, "a second workflow gets a prefix no live session uses");
        }
    }

    @Test
    void helpExitsZeroAndPrintsTheUsage() throws Exception {
        for (String script : List.of("DevReview", "DevReviewQA", "Planning")) {
            WorkflowScript.Run run = w.run(script, true, "--help");
            assertEquals(0, run.exit(), run.report());
            assertTrue(run.out().startsWith("Usage: " + script + " <backend> <dir> "), run.report());
            assertTrue(run.out().contains("--timeout T"), run.report());
            assertEquals("", run.err());
        }
    }

    @Test
    void aBadTimeoutABackendWithANewlineAndAnUnknownOptionExitTwoWithOneLine() throws Exception {
        List<List<String>> bad = List.of(
                List.of("quick", project(), "--prefix", "ue1", "--task", "t", "--wait", "--timeout", "1h2"),
                List.of("quick", project(), "--prefix", "ue2", "--task", "t", "--wait", "--timeout", "10sm"),
                List.of("quick", project(), "--prefix", "ue3", "--wait", "--timeout", "5\n"),
                List.of("quick\nnew quick " + project() + " alias=injected", project(), "--prefix", "ue4"),
                List.of("quick", project(), "--prefix", "ue5", "--bogus"));
        for (List<String> args : bad) {
            WorkflowScript.Run run = w.run("DevReview", true, args.toArray(String[]::new));
            assertEquals(2, run.exit(), args + "\n" + run.report());
            assertEquals("", run.out(), args + "\n" + run.report());
            assertEquals(1, run.err().lines().count(), "one line: " + args + "\n" + run.report());
            assertTrue(run.err().startsWith("DevReview: ") && run.err().endsWith("; see DevReview --help\n"), run.report());
        }
        assertTrue(aliases().stream().noneMatch(a -> a.startsWith("ue") || a.equals("injected")), "no session was made: " + w.a.read("list"));
    }

    @Test
    void aContextLongerThan4096BytesArrivesWhole() throws Exception {
        StringBuilder context = new StringBuilder("You are the only role.\n");
        for (int i = 0; context.length() < 10_000; i++) context.append("rule ").append(i).append(": say '").append("y".repeat(50)).append("' $(not run)\n");
        Path file = tmp.resolve("context.txt");
        Files.writeString(file, context);
        // a workflow of one's own on the library, as the README tells
        Path script = tmp.resolve("Solo");
        Files.writeString(script, """
                #!/usr/bin/env bash
                set -euo pipefail
                . '%s'
                WF_NAME=Solo
                WF_SUMMARY="One role."
                WF_ROLES=(solo)
                WF_FIRST=solo
                WF_VERDICTS=(solo)
                WF_FINAL=solo
                WF_WORD=LGTM
                wf_context() { cat '%s'; }
                wf_main "$@"
                """.formatted(TestSessions.projectHome().resolve("scripts/lib/workflow.sh"), file));
        WorkflowScript.Run run = w.run(script, true, "quick", project(), "--prefix", "long", "--task", "go");
        assertEquals(0, run.exit(), run.report());
        assertEquals(context.toString(), w.a.read("long-solo/context"), "the context, whole");
        // and the agent got it whole, ahead of the task
        assertEquals(sizeOfText(context + "\n\ngo\n"), sizeOf(w.a.read("long-solo/reply")));
    }

    @Test
    void aTaskIsSentLiterallyAndNeverRunByAShell() throws Exception {
        Path x = tmp.resolve("x"), y = tmp.resolve("y");
        String task = "check $(touch " + x + ") and `touch " + y + "` and $HOME; 'single' \"double\" \\ end";
        WorkflowScript.Run run = w.run("DevReview", true, "quick", project(), "--prefix", "lit", "--task", task);
        assertEquals(0, run.exit(), run.report());
        assertEquals(task, prompted("lit-dev"));
        assertEquals(sizeOfText(w.a.read("lit-dev/context") + "\n\n" + task + "\n"), sizeOf(w.a.read("lit-dev/reply")),
                "the agent got the task byte for byte");
        assertFalse(Files.exists(x), "$(...) was run by a shell");
        assertFalse(Files.exists(y), "`...` was run by a shell");
    }
}
