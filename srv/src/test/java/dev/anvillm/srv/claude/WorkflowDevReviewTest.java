package dev.anvillm.srv.claude;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code scripts/DevReview claude <dir> --task ... --wait} end to end: real Claude Code sessions
 * whose fake model stages a change in a git repository and messages its peer with {@code 9p}
 * from its Bash tool, inside the sandbox. The reviewer asks for one change, the developer makes
 * it and asks again, the reviewer says LGTM.
 */
class WorkflowDevReviewTest {
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

    /** The fake model of each role, turn by turn, as a careful model following its context would act. */
    private FakeMessagesApi.Reply scriptTwoRounds() {
        FakeMessagesApi api = w.api;
        String dev = "You are wf-dev,", reviewer = "You are wf-reviewer,";
        api.replyTo(dev, api.bash("printf 'hello\\n' > greeting.txt && git add greeting.txt && 9p write agent/wf-reviewer/in <<'MSG'\n"
                + "Please review the staged change: add greeting.txt\nIt holds the greeting.\nMSG"));
        api.replyTo(dev, new FakeMessagesApi.Text("Asked wf-reviewer for a review."));
        FakeMessagesApi.Reply firstReview = api.replyTo(reviewer, api.bash("git diff --cached --stat && 9p write agent/wf-dev/in <<'MSG'\n"
                + "Changes requested: greet the world, not only hello\nMSG"));
        api.replyTo(reviewer, new FakeMessagesApi.Text("Asked for one change."));
        api.replyTo(dev, api.bash("printf 'hello, world\\n' > greeting.txt && git add greeting.txt && "
                + "echo 'Please review the staged change again: the greeting says hello, world' | 9p write agent/wf-reviewer/in"));
        api.replyTo(dev, new FakeMessagesApi.Text("Asked again."));
        api.replyTo(reviewer, api.bash("git diff --cached --stat && echo 'LGTM' | 9p write agent/wf-dev/in"));
        api.replyTo(reviewer, new FakeMessagesApi.Text("Approved."));
        api.replyTo(dev, new FakeMessagesApi.Text("Done: the reviewer approved."));
        return firstReview;
    }

    private static final List<String> TWO_ROUNDS = List.of(
            "user -> wf-dev: Add a greeting file.",
            "wf-dev -> wf-reviewer: Please review the staged change: add greeting.txt",
            "wf-reviewer -> wf-dev: Changes requested: greet the world, not only hello",
            "wf-dev -> wf-reviewer: Please review the staged change again: the greeting says hello, world",
            "wf-reviewer -> wf-dev: LGTM",
            "approved: wf-reviewer said LGTM after 2 round(s)");

    @Test
    void theReviewerAsksForOneChangeThenSaysLgtmAndTheScriptExitsZeroThroughADaemonRestart() throws Exception {
        FakeMessagesApi.Reply firstReview = scriptTwoRounds().heldUntilReleased();
        WorkflowScript.Run run = w.run("DevReview", true, "claude", w.project.toString(), "--prefix", "wf", "--task", "Add a greeting file.",
                "--wait", "--timeout", "5m");
        run.awaitLine("wf-dev -> wf-reviewer: Please review the staged change: add greeting.txt");
        assertEquals("greeting.txt\n", WorkflowScript.gitOut(w.project, "diff", "--cached", "--name-only"),
                "the developer staged its change, from inside its sandbox");

        // the reviewer's model is thinking; the daemon dies under it and comes back
        w.api.awaitRequest(1, r -> r.isConversation() && r.mentions("You are wf-reviewer,"), WorkflowScript.DEADLINE);
        w.restartDaemon();
        firstReview.release();

        assertEquals(0, run.exit(), run.report());
        List<String> told = run.out().lines().filter(l -> l.contains(" -> ") || l.startsWith("approved")).toList();
        assertEquals(TWO_ROUNDS, told, "each hand-off once, in order, though the daemon restarted\n" + run.report());
        assertTrue(run.out().startsWith("wf-dev "), "the sessions it made come first, alias and id: " + run.out());
        assertEquals("hello, world\n", Files.readString(w.project.resolve("greeting.txt")));
        assertTrue(WorkflowScript.gitOut(w.project, "diff", "--cached").contains("+hello, world"));
        // the verdict is told when it reaches the developer, while the reviewer's turn is still ending
        w.a.awaitState("wf-reviewer", "idle"); // the sessions are left for inspection
    }

    @Test
    void withOneRoundTheSameRunExitsOneAfterTheFirstVerdict() throws Exception {
        scriptTwoRounds();
        WorkflowScript.Run run = w.run("DevReview", true, "claude", w.project.toString(), "--prefix", "wf", "--task", "Add a greeting file.",
                "--wait", "--rounds", "1", "--timeout", "5m");
        assertEquals(1, run.exit(), run.report());
        List<String> handoffs = run.out().lines().filter(l -> l.contains(" -> ")).toList();
        assertEquals(TWO_ROUNDS.subList(0, 3), handoffs, run.report());
        assertTrue(run.out().contains("DevReview: not approved after 1 round(s) (--rounds 1); sessions left for inspection: wf-dev wf-reviewer"),
                run.report());
        assertFalse(w.a.read("list").isEmpty(), "the sessions are left");
    }
}
