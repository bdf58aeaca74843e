package dev.anvillm.client;

import dev.anvillm.srv.tree.CommandWords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.*;

/** The client against the real daemon: every call a front-end makes, and what it gets back. */
class AgentClientTest {
    @TempDir Path tmp;
    TestDaemon d;
    AgentClient c;

    @BeforeEach
    void daemon() throws Exception {
        d = new TestDaemon(tmp);
        c = d.client;
    }

    @AfterEach
    void stop() throws Exception {
        if (d != null) d.close();
    }

    @Test
    void createLearnsTheIdAndListInfoAndBackendDescribeTheSession() throws Exception {
        Path dir = Files.createDirectories(d.project.resolve("it's a \"dir\" — ü"));
        String id = c.create("quick", dir.toString(), "dev");
        assertTrue(id.matches("[0-9a-f]{8}"), id);
        d.awaitState(id, State.IDLE);
        Session s = c.list().stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
        assertEquals(new Session(id, "dev", State.IDLE, s.pid(), dir.toString(), null), s);
        assertTrue(s.pid() > 0);
        assertEquals(s.withBackend("quick"), c.info(id).session());
        assertEquals("quick", c.backend("dev"));
        List<String> attach = c.info(id).attachCommand();
        assertEquals(List.of("tmux", "-S", d.ns.tmuxSocket().toString(), "attach-session", "-t", "=" + id), attach);
    }

    @Test
    void backendsSayWhichCanStartAndWhy() throws Exception {
        List<Backend> b = c.backends();
        assertTrue(b.stream().anyMatch(x -> x.name().equals("quick") && x.available()), b.toString());
        assertTrue(b.stream().filter(x -> !x.available()).allMatch(x -> !x.note().isBlank()), b.toString());
    }

    @Test
    void aPromptIsAnsweredInReplyOutScreenAndLog() throws Exception {
        String id = c.create("quick", d.project.toString(), null);
        d.awaitState(id, State.IDLE);
        List<String> log = new CopyOnWriteArrayList<>();
        List<String> ended = new CopyOnWriteArrayList<>();
        try (LogStream ls = c.log(id, log::add, ended::add)) {
            c.prompt(id, "hello\nworld");
            String reply = c.reply(id).get(30, TimeUnit.SECONDS);
            assertTrue(reply.startsWith("echo: hello [11 bytes, 2 lines"), reply);
            assertTrue(c.out(id).contains(reply.strip()), c.out(id));
            TestDaemon.await("the reply in the log", () -> String.join("", log).contains("ASSISTANT: echo: hello"), log::toString);
            assertTrue(String.join("", log).contains("USER: hello\nworld"), log.toString());
            String screen = c.screen(id);
            assertTrue(screen.contains("anvillm-testagent"), screen);
            assertFalse(screen.contains("\u001b"), "no escape codes: " + screen);
            assertFalse(screen.endsWith("\n\n"), "no trailing blank lines: " + screen);
            // a killed session's log ends: its reader hears so
            c.command(id, Command.KILL);
            TestDaemon.await("the log ending", () -> !ended.isEmpty(), log::toString);
        }
        assertTrue(c.list().stream().noneMatch(s -> s.id().equals(id)));
    }

    @Test
    void aReplyStillRunningCanBeGivenUp() throws Exception {
        String id = c.create("slow", d.project.toString(), null);
        d.awaitState(id, State.IDLE);
        c.prompt(id, "take your time");
        CompletableFuture<String> r = c.reply(id);
        assertThrows(TimeoutException.class, () -> r.get(300, TimeUnit.MILLISECONDS), "the reply waits for the turn to end");
        r.cancel(true);
        assertThrows(CancellationException.class, r::join);
        // the connection is still good for the next call
        assertEquals(State.RUNNING, c.state(id));
    }

    @Test
    void contextAndAliasAreWrittenAndReadBack() throws Exception {
        String id = c.create("quick", d.project.toString(), "one");
        c.context(id, "You are a careful reviewer.\nAnswer briefly.");
        assertEquals("You are a careful reviewer.\nAnswer briefly.", c.context(id).stripTrailing());
        c.alias(id, "  two \n");
        assertEquals("two", c.info(id).session().alias());
        c.alias(id, "");
        assertNull(c.info(id).session().alias());
    }

    @Test
    void errorsAreTheDaemonsOneLine() throws Exception {
        ClientException unknown = assertThrows(ClientException.class, () -> c.create("nosuch", d.project.toString(), null));
        assertTrue(unknown.getMessage().contains("unknown backend") && unknown.getMessage().contains("quick"), unknown.getMessage());
        ClientException noSession = assertThrows(ClientException.class, () -> c.prompt("deadbeef", "hi"));
        assertEquals("no session 'deadbeef' (see agent/list)", noSession.getMessage());
        String id = c.create("quick", d.project.toString(), null);
        d.awaitState(id, State.IDLE);
        c.command(id, Command.STOP);
        d.awaitState(id, State.STOPPED);
        ClientException stopped = assertThrows(ClientException.class, () -> c.prompt(id, "hello"));
        assertTrue(stopped.getMessage().contains("start"), stopped.getMessage());
        assertFalse(stopped.getMessage().contains("\n"));
        ClientException taken = assertThrows(ClientException.class, () -> c.create("quick", d.project.toString(), "x y"));
        assertTrue(taken.getMessage().contains("alias"), taken.getMessage());
    }

    @Test
    void aDaemonThatIsDownIsSaidSoAndTheNextCallAfterItsReturnWorks() throws Exception {
        String id = c.create("quick", d.project.toString(), null);
        d.awaitState(id, State.IDLE);
        d.kill();
        ClientException down = assertThrows(ClientException.class, c::list);
        assertTrue(down.getMessage().contains("anvilsrv start"), down.getMessage());
        d.start();
        assertTrue(c.list().stream().anyMatch(s -> s.id().equals(id)));
        DaemonFacts f = DaemonFacts.of(c);
        assertTrue(f.running() && f.sessions() == 1 && f.pid() > 0, f.text());
    }

    @Test
    void ctlQuotingRoundTripsThroughTheDaemonsParser() throws Exception {
        for (String w : List.of("plain", "two words", "it's", "say \"hi\"", "'\"mixed' \"q\"", "", "tab\there", "ü ß")) {
            assertEquals(List.of(w), CommandWords.split(CtlWords.quote(w)), w);
        }
    }
}
