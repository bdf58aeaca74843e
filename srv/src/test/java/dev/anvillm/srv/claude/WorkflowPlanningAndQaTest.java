package dev.anvillm.srv.claude;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code scripts/Planning} and {@code scripts/DevReviewQA} with the real Claude Code CLI: their
 * sessions and contexts, and hand-offs through to the verdict.
 */
class WorkflowPlanningAndQaTest {
    @TempDir Path tmp;
    private WorkflowScript w;

    @BeforeEach
    void start() throws Exception {
        w = WorkflowScript.start(tmp);
    }

    @AfterEach
    void stop() throws Exception {
        if (w != null) w.close();
    }

    private static List<String> told(WorkflowScript.Run run) throws Exception {
        return run.out().lines().filter(l -> l.contains(" -> ") || l.startsWith("approved")).toList();
    }

    @Test
    void planningMakesThreeRolesWhoseContextsNamePeersAndTheTechEditorsLgtmEndsIt() throws Exception {
        FakeMessagesApi api = w.api;
        String engineering = "You are pl-engineering,", editor = "You are pl-techeditor,";
        api.replyTo(engineering, api.bash("printf '# Design\\n\\nOne daemon, many agents.\\n' > design.md && "
                + "9p write agent/pl-techeditor/in <<'MSG'\nPlease review: design.md\nMSG"));
        api.replyTo(engineering, new FakeMessagesApi.Text("Sent the draft to the tech editor."));
        api.replyTo(editor, api.bash("cat design.md && echo 'LGTM, it reads well' | 9p write agent/pl-engineering/in"));
        api.replyTo(editor, new FakeMessagesApi.Text("Approved."));
        api.replyTo(engineering, new FakeMessagesApi.Text("Done."));
        // no 9p on the PATH: the script falls back to anvillm 9p
        WorkflowScript.Run run = w.run("Planning", false, "claude", w.project.toString(), "--prefix", "pl", "--task", "Write the design of the daemon.",
                "--wait", "--timeout", "5m");
        run.awaitLine("user -> pl-engineering: Write the design of the daemon.");
        for (String role : List.of("research", "engineering", "techeditor")) {
            String context = w.a.read("pl-" + role + "/context");
            assertTrue(context.startsWith("You are pl-" + role + ", "), context);
            for (String peer : List.of("research", "engineering", "techeditor")) {
                if (!peer.equals(role) && !(role.equals("techeditor") && peer.equals("research"))) {
                    assertTrue(context.contains("pl-" + peer), role + "'s context names pl-" + peer + ":\n" + context);
                }
            }
            assertTrue(context.contains("9p write agent/"), "the exact command that messages a peer:\n" + context);
        }
        assertTrue(w.a.read("pl-engineering/context").contains("9p write agent/pl-techeditor/in <<'MSG'"));

        assertEquals(0, run.exit(), run.report());
        assertEquals(List.of(
                "user -> pl-engineering: Write the design of the daemon.",
                "pl-engineering -> pl-techeditor: Please review: design.md",
                "pl-techeditor -> pl-engineering: LGTM, it reads well",
                "approved: pl-techeditor said LGTM after 1 round(s)"), told(run), run.report());
    }

    @Test
    void devReviewQaHandsTheReviewedChangeToQaWhosePassEndsItAndFollowReattaches() throws Exception {
        FakeMessagesApi api = w.api;
        String dev = "You are qa1-dev,", reviewer = "You are qa1-reviewer,", qa = "You are qa1-qa,";
        api.replyTo(dev, api.bash("printf 'echo hi\\n' > hi.sh && git add hi.sh && "
                + "echo 'Please review the staged change: hi.sh says hi' | 9p write agent/qa1-reviewer/in"));
        api.replyTo(dev, new FakeMessagesApi.Text("Asked for a review."));
        api.replyTo(reviewer, api.bash("git diff --cached --stat && echo LGTM | 9p write agent/qa1-dev/in"));
        api.replyTo(reviewer, new FakeMessagesApi.Text("Approved."));
        api.replyTo(dev, api.bash("9p write agent/qa1-qa/in <<'MSG'\nPlease test: sh hi.sh prints hi\nMSG"));
        api.replyTo(dev, new FakeMessagesApi.Text("Handed to QA."));
        api.replyTo(qa, api.bash("test \"$(sh hi.sh)\" = hi && echo PASS | 9p write agent/qa1-dev/in"));
        api.replyTo(qa, new FakeMessagesApi.Text("Passed."));
        api.replyTo(dev, new FakeMessagesApi.Text("Done."));
        WorkflowScript.Run run = w.run("DevReviewQA", true, "claude", w.project.toString(), "--prefix", "qa1", "--task", "Add hi.sh.",
                "--wait", "--timeout", "5m");
        assertEquals(0, run.exit(), run.report());
        List<String> expected = List.of(
                "user -> qa1-dev: Add hi.sh.",
                "qa1-dev -> qa1-reviewer: Please review the staged change: hi.sh says hi",
                "qa1-reviewer -> qa1-dev: LGTM",
                "qa1-dev -> qa1-qa: Please test: sh hi.sh prints hi",
                "qa1-qa -> qa1-dev: PASS",
                "approved: qa1-qa said PASS after 2 round(s)");
        assertEquals(expected, told(run), run.report());
        assertTrue(w.a.read("qa1-qa/context").contains("echo 'PASS' | 9p write agent/qa1-dev/in"));

        // the script is gone; the workflow lives in the daemon: --follow tells it again, then cleans up
        WorkflowScript.Run follow = w.run("DevReviewQA", true, "--follow", "qa1", "--timeout", "2m", "--cleanup");
        assertEquals(0, follow.exit(), follow.report());
        assertTrue(told(follow).contains("approved: qa1-qa said PASS after 2 round(s)"), follow.report());
        assertEquals("", w.a.read("list"), "--cleanup killed the workflow's sessions");
    }
}
