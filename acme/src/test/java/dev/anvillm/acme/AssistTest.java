package dev.anvillm.acme;

import dev.anvillm.client.ClientException;
import dev.anvillm.client.Command;
import dev.anvillm.client.Event;
import dev.anvillm.client.LiveSessions;
import dev.anvillm.client.Session;
import dev.anvillm.client.State;
import dev.anvillm.client.TestDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assist against a fake acme(4) and the real daemon: what a user sees and what each click does. */
class AssistTest {
    @TempDir Path dir;
    TestDaemon daemon;
    FakeAcme acme;
    Assist assist;
    Map<String, String> env;

    @BeforeEach
    void startDaemonAndAcme() throws Exception {
        daemon = new TestDaemon(dir);
        env = new HashMap<>(daemon.ns.env());
        acme = FakeAcme.serve(Path.of(env.get("NAMESPACE")).resolve("acme"));
    }

    @AfterEach
    void closeAll() throws Exception {
        if (assist != null) assist.close();
        if (acme != null) acme.close();
        if (daemon != null) daemon.close();
    }

    private FakeAcme.Window startAssist() throws Exception {
        assist = new Assist(env, daemon.project);
        assist.start();
        return awaitWindow(Assist.NAME);
    }

    /** Starts Assist and waits until its table shows the backends and every session of {@code ids}. */
    private FakeAcme.Window startAssistShowing(String... ids) throws Exception {
        FakeAcme.Window w = startAssist();
        awaitBody(w, "the backends and " + List.of(ids), () -> w.body().contains(" Quick") && Arrays.stream(ids).allMatch(w.body()::contains));
        return w;
    }

    /** Starts Assist, runs {@code command id} from its tag and returns the window it opens, {@code +<command>.<id>}. */
    private FakeAcme.Window sideWindow(String command, String id) throws Exception {
        startAssistShowing(id).runInTag(command + " " + id);
        return awaitWindow(Assist.NAME + "+" + command + "." + id);
    }

    private FakeAcme.Window awaitWindow(String name) throws InterruptedException {
        TestDaemon.await("window " + name, () -> acme.window(name) != null, () -> acme.names().toString());
        return acme.window(name);
    }

    private static void awaitBody(FakeAcme.Window w, String what, BooleanSupplier ok) throws InterruptedException {
        TestDaemon.await(what, ok, w::body);
    }

    private String newSession(String backend) throws Exception {
        String id = daemon.client.create(backend, daemon.project.toString(), null);
        daemon.awaitState(id, State.IDLE);
        return id;
    }

    @Test
    void theWindowHasTheTagTheBackendsAndTheSessionsInListOrderWithAlignedColumns() throws Exception {
        String a = newSession("quick");
        String b = newSession("quick");
        daemon.client.alias(b, "dev");
        FakeAcme.Window w = startAssist();
        assertTrue(w.tag().contains(Assist.TAG), w.tag());
        // a row shows "?" for the backend until its backend file has been read: wait for both whole
        awaitBody(w, "both sessions", () -> w.body().contains(a + "  quick    idle      -") && w.body().contains(b + "  quick    idle      dev"));
        List<String> lines = w.body().lines().toList();
        assertTrue(lines.get(0).startsWith("Backends:") && lines.get(0).contains(" Quick") && lines.get(0).contains(" Slow"), lines.get(0));
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("ID")).findFirst().orElseThrow());
        assertEquals("ID        Backend  State     Alias  Cwd", lines.get(header));
        List<String> ids = daemon.client.list().stream().map(Session::id).toList();
        for (int i = 0; i < ids.size(); i++) {
            String row = lines.get(header + 1 + i);
            assertTrue(row.startsWith(ids.get(i) + "  quick    idle      "), row);
            assertTrue(row.endsWith(daemon.project.toString()), row);
        }
        assertTrue(!w.dirty(), "the window is clean");
    }

    @Test
    void sessionsMadeAndKilledBehindItsBackShowWithoutGetKeepingTheScrollAndTheSelection() throws Exception {
        String a = newSession("quick");
        String b = newSession("quick");
        FakeAcme.Window w = startAssistShowing(b);
        w.select(b);
        w.scrollTo(b);
        String c = newSession("quick");
        awaitBody(w, "c", () -> w.body().contains(c));
        daemon.client.command(a, Command.KILL);
        awaitBody(w, "a gone", () -> !w.body().contains(a));
        assertEquals(b, w.selection());
        assertTrue(w.topLine().startsWith(b), "scrolled to b still: " + w.topLine());
        assertTrue(w.body().indexOf(b) < w.body().indexOf(c), "list order kept");
    }

    @Test
    void aColumnWideningKeepsTheScrollAndTheSelection() throws Exception {
        String a = newSession("quick");
        String b = newSession("quick");
        String c = newSession("quick");
        FakeAcme.Window w = startAssistShowing(a, b, c);
        w.select(b);
        w.scrollTo(b);
        daemon.client.alias(c, "a-much-longer-alias-than-any");
        awaitBody(w, "the wider Alias column", () -> w.body().contains("Alias                         Cwd"));
        assertTrue(w.topLine().startsWith(b), "scrolled to b still: " + w.topLine());
        assertEquals(b, w.selection());
        daemon.client.alias(c, "");
        awaitBody(w, "the narrower Alias column", () -> w.body().contains("Alias  Cwd"));
        assertTrue(w.topLine().startsWith(b), "scrolled to b still: " + w.topLine());
        assertEquals(b, w.selection());
    }

    @Test
    void whatTheUserTypesBelowTheTableStaysThroughRefreshesAndRunsWithButtonTwo() throws Exception {
        String a = newSession("quick");
        FakeAcme.Window w = startAssistShowing(a);
        Files.createDirectories(daemon.project.resolve("sub"));
        w.type("Quick sub");
        String b = newSession("quick");
        awaitBody(w, "b", () -> w.body().contains(b));
        daemon.client.command(a, Command.STOP);
        awaitBody(w, "a stopped", () -> w.body().contains(a + "  quick    stopped"));
        assertTrue(w.body().endsWith("\nQuick sub"), w.body());
        assertTrue(w.body().indexOf(b) < w.body().indexOf("Quick sub"), "the table grows above the typed line");
        w.b2("Quick sub");
        String sub = daemon.project.resolve("sub").toString();
        TestDaemon.await("a session in sub", () -> list().stream().anyMatch(s -> s.cwd().equals(sub)), () -> list().toString());
        awaitBody(w, "its row", () -> w.body().lines().anyMatch(l -> l.endsWith(sub) && !l.startsWith("Quick")));
        assertTrue(w.body().endsWith("\nQuick sub"), w.body());
    }

    @Test
    void aTableLineTheUserEditedIsPutBack() throws Exception {
        String a = newSession("quick");
        FakeAcme.Window w = startAssistShowing(a);
        awaitBody(w, "a's row", () -> w.body().contains(a + "  quick    idle"));
        String row = w.body().lines().filter(l -> l.startsWith(a)).findFirst().orElseThrow();
        w.replaceText(row, "scribbled over");
        String b = newSession("quick");
        awaitBody(w, "b, and a's row put back", () -> w.body().contains(b) && w.body().contains(row) && !w.body().contains("scribbled"));
    }

    @Test
    void withNoDaemonItStartsOneAndShowsItsTable() throws Exception {
        String a = newSession("quick");
        daemon.kill();
        assist = new Assist(env, daemon.project);
        assist.anvilsrv = anvilsrvCommand();
        assist.start();
        assertTrue(daemon.ns.answers(), "a daemon answers once Assist has started");
        FakeAcme.Window w = awaitWindow(Assist.NAME);
        awaitBody(w, "the session, re-adopted by the daemon Assist started", () -> w.body().contains(a + "  quick    idle") && w.body().contains(" Quick"));
        assertTrue(!w.body().contains("not answering"), w.body());
        assertEquals(null, acme.window(Assist.NAME + "+Errors"), "no error");
        assertTrue(ProcessHandle.of(daemonPid()).map(ProcessHandle::isAlive).orElse(false), "the daemon runs in the background");
    }

    @Test
    void withNoDaemonItSaysWhyStartingOneFailedStaysUsableAndFillsInOnceOneAnswers() throws Exception {
        daemon.kill();
        assist = new Assist(env, daemon.project);
        assist.anvilsrv = dir.resolve("no-such-anvilsrv").toString();
        assist.start();
        FakeAcme.Window w = awaitWindow(Assist.NAME);
        FakeAcme.Window e = awaitWindow(Assist.NAME + "+Errors");
        awaitBody(e, "why the start failed", () -> e.body().contains("cannot run " + assist.anvilsrv + " start"));
        awaitBody(w, "the problem", () -> w.body().contains("daemon not answering"));
        daemon.start();
        String a = newSession("quick");
        awaitBody(w, "the table once the daemon answers", () -> w.body().contains(a) && !w.body().contains("daemon not answering"));
        awaitBody(w, "the backends", () -> w.body().contains(" Quick"));
    }

    @Test
    void buttonTwoCommandsActOnTheSessionTheyName() throws Exception {
        String a = newSession("quick");
        String b = newSession("quick");
        FakeAcme.Window w = startAssistShowing(b);

        w.runInTag("Stop " + b);
        daemon.awaitState(b, State.STOPPED);
        assertEquals(State.IDLE, daemon.client.state(a));
        awaitBody(w, "b stopped", () -> w.body().contains(b + "  quick    stopped   "));

        w.runInTag("Start " + b);
        daemon.awaitState(b, State.IDLE);

        w.runInTag("Alias " + a + " front");
        TestDaemon.await("alias front", () -> "front".equals(aliasOf(a)), () -> String.valueOf(aliasOf(a)));
        awaitBody(w, "alias shown", () -> w.body().contains("front"));

        w.select(b); // no id given: the session whose line holds the selection
        w.b2Tag("Kill");
        TestDaemon.await("b killed", () -> list().stream().noneMatch(s -> s.id().equals(b)), () -> list().toString());
        assertEquals(State.IDLE, daemon.client.state(a));
    }

    @Test
    void interruptAndRestartReachOnlyTheSessionTheyName() throws Exception {
        String a = newSession("quick");
        String b = newSession("quick");
        List<String> seen = new CopyOnWriteArrayList<>();
        try (var events = LiveSessions.start(daemon.ns.socket(), new LiveSessions.Listener() {
            @Override
            public void changed(LiveSessions.Snapshot now, Event cause) { }

            @Override
            public void event(Event e) {
                seen.add(e.id() + " " + e.kind());
            }
        })) {
            FakeAcme.Window w = startAssistShowing(a, b);
            w.runInTag("Interrupt " + b);
            TestDaemon.await(b + " interrupted", () -> seen.contains(b + " interrupted"), seen::toString);
            w.runInTag("Restart " + a);
            TestDaemon.await(a + " restarted", () -> seen.contains(a + " restarted"), seen::toString);
            assertTrue(!seen.contains(a + " interrupted") && !seen.contains(b + " restarted"), seen.toString());
        }
    }

    @Test
    void aBackendCommandMakesASessionInADirectoryRelativeToTheWindowsDirectory() throws Exception {
        Files.createDirectories(daemon.project.resolve("sub"));
        FakeAcme.Window w = startAssistShowing();
        w.runInTag("Quick sub");
        TestDaemon.await("a session in sub", () -> list().stream().anyMatch(s -> s.cwd().equals(daemon.project.resolve("sub").toString())),
                () -> list().toString());
        String id = list().getFirst().id();
        awaitBody(w, "the new session", () -> w.body().contains(id));
    }

    @Test
    void buttonThreeOnAnIdOpensThePromptWindowWhoseSendDeliversOnePromptAndAppendsTheReply() throws Exception {
        String a = newSession("quick");
        FakeAcme.Window w = startAssistShowing(a);
        w.b3(a);
        FakeAcme.Window p = awaitWindow(Assist.NAME + "+Prompt." + a);
        assertTrue(p.tag().contains("Send"), p.tag());
        String longLine = "x".repeat(5000);
        p.type("first line\n" + longLine + "\nlast line");
        p.b2Tag("Send");
        awaitBody(p, "the reply", () -> p.body().contains(PromptWindow.REPLY + a));
        awaitBody(p, "the reply's text", () -> p.body().contains("echo: first line ["));
        assertTrue(p.body().contains("3 lines") && p.body().contains("turn 1]"), p.body());
        assertTrue(p.body().startsWith("first line\n" + longLine), "the window keeps the prompt");

        p.type("again");
        p.b2Tag("Send");
        TestDaemon.await("the second reply", () -> p.body().contains("echo: again ["), () -> p.body() + "\nout: " + said(() -> daemon.client.out(a) + "\nstate " + daemon.client.state(a)) + "\nerrors: "
                + (acme.window(Assist.NAME + "+Errors") == null ? "none" : acme.window(Assist.NAME + "+Errors").body()));
        assertTrue(p.body().contains("turn 2]"), p.body());
    }

    @Test
    void aTwoOneChordOfSelectedTextOntoAnIdSendsItAsAPrompt() throws Exception {
        String a = newSession("quick");
        FakeAcme.Window w = startAssistShowing(a);
        w.chord(a, "what is up");
        FakeAcme.Window p = awaitWindow(Assist.NAME + "+Prompt." + a);
        awaitBody(p, "the reply", () -> p.body().contains("echo: what is up ["));
        assertTrue(p.body().startsWith("what is up\n"), p.body());
    }

    @Test
    void commandsThatAreNotAssistsAreHandedBackToAcme() throws Exception {
        FakeAcme.Window w = startAssistShowing();
        w.runInTag("Frobnicate now");
        String back = w.handedBack.poll(TestDaemon.DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(back, "nothing handed back");
        assertTrue(back.startsWith("Mx"), back);
        w.b3("Backends:");
        back = w.handedBack.poll(TestDaemon.DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(back, "the look was not handed back");
        assertTrue(back.startsWith("ML"), back);
        w.b2Tag("Del");
        TestDaemon.await("Assist ends with its window", () -> acme.window(Assist.NAME) == null, acme.names()::toString);
    }

    @Test
    void errorsGoToPlusErrorsOneLineEach() throws Exception {
        FakeAcme.Window w = startAssistShowing();
        w.runInTag("Stop nosuch99");
        w.b2Tag("Kill"); // nothing selected
        FakeAcme.Window e = awaitWindow(Assist.NAME + "+Errors");
        awaitBody(e, "two errors", () -> e.body().lines().count() == 2);
        assertTrue(e.body().contains("nosuch99"), e.body());
        assertTrue(e.body().contains("Kill: which session?"), e.body());
    }

    @Test
    void contextWindowShowsTheContextAndPutSavesIt() throws Exception {
        String a = newSession("quick");
        String earlier = "é".repeat(6000) + "\n"; // more than one message, runes of two bytes
        daemon.client.context(a, earlier);
        FakeAcme.Window c = sideWindow("Context", a);
        awaitBody(c, "the context", () -> c.body().equals(earlier));
        c.type("you review code\n");
        c.b2Tag("Put");
        TestDaemon.await("the context saved", () -> contextOf(a).equals(earlier + "you review code\n"), () -> contextOf(a));
    }

    @Test
    void logWindowStreamsTheLogAsItGrows() throws Exception {
        String a = newSession("quick");
        FakeAcme.Window l = sideWindow("Log", a);
        daemon.client.prompt(a, "logged prompt");
        awaitBody(l, "the prompt and its reply in the log", () -> l.body().contains("logged prompt") && l.body().contains("echo: logged prompt"));
    }

    @Test
    void attachRunsTheTerminalWithTheSessionsTmuxAttach() throws Exception {
        String a = newSession("quick");
        Path out = dir.resolve("terminal.out");
        Path term = dir.resolve("term");
        Files.writeString(term, "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + out + "\n");
        term.toFile().setExecutable(true);
        env.put("ANVILLM_TERMINAL", term.toString());
        FakeAcme.Window w = startAssistShowing(a);
        w.runInTag("Attach " + a);
        TestDaemon.await("the terminal ran", () -> Files.exists(out) && read(out).contains("attach-session"), () -> Files.exists(out) ? read(out) : "nothing");
        assertEquals(daemon.client.info(a).attachCommand(), read(out).lines().toList());
    }

    @Test
    void daemonAndSandboxWindowsShowTheStatusAndThePolicy() throws Exception {
        FakeAcme.Window w = startAssistShowing();
        w.b2Tag("Daemon");
        FakeAcme.Window d = awaitWindow(Assist.NAME + "+Daemon");
        awaitBody(d, "status", () -> d.body().startsWith("anvilsrv running"));
        assertTrue(d.tag().contains("Start Stop Restart"), d.tag());
        w.b2Tag("Sandbox");
        FakeAcme.Window s = awaitWindow(Assist.NAME + "+Sandbox");
        awaitBody(s, "policy", () -> s.body().contains("sandbox.yaml"));
        assertTrue(s.tag().contains("Edit"), s.tag());
    }

    @Test
    void theDaemonWindowsStopStartAndRestartReallyStopAndStartTheDaemon() throws Exception {
        FakeAcme.Window w = startAssistShowing();
        assist.anvilsrv = anvilsrvCommand();
        w.b2Tag("Daemon");
        FakeAcme.Window d = awaitWindow(Assist.NAME + "+Daemon");
        long first = daemonPid();
        awaitBody(d, "running", () -> d.body().startsWith("anvilsrv running\npid        " + first + "\n"));
        d.b2Tag("Stop");
        awaitBody(d, "not running", () -> d.body().startsWith("anvilsrv not running"));
        assertTrue(!daemon.ns.answers(), "nothing answers on the socket");
        assertTrue(!ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false), "the daemon exited");
        awaitBody(w, "the table saying so", () -> w.body().contains("not answering"));
        d.b2Tag("Start");
        awaitBody(d, "running again", () -> d.body().startsWith("anvilsrv running"));
        assertTrue(daemon.ns.answers());
        long second = daemonPid();
        assertTrue(second != first, "a new daemon");
        d.b2Tag("Restart");
        awaitBody(d, "a third daemon", () -> d.body().startsWith("anvilsrv running") && !d.body().contains("pid        " + second + "\n"));
        assertTrue(!ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false), "the second daemon exited");
        String a = newSession("quick");
        awaitBody(w, "the table live again", () -> w.body().contains(a) && !w.body().contains("not answering"));
        assertEquals(null, acme.window(Assist.NAME + "+Errors"), "no error");
    }

    @Test
    void theSandboxWindowsEditOpensSandboxYamlInAcme() throws Exception {
        Path yaml = SandboxWindow.policyFile(env);
        Files.createDirectories(yaml.getParent());
        Files.writeString(yaml, "# my policy\n");
        FakeAcme.Window w = startAssistShowing();
        w.b2Tag("Sandbox");
        FakeAcme.Window s = awaitWindow(Assist.NAME + "+Sandbox");
        awaitBody(s, "the policy", () -> s.body().startsWith("# " + yaml) && s.body().contains("# my policy\n"));
        s.b2Tag("Edit");
        FakeAcme.Window e = awaitWindow(yaml.toString());
        awaitBody(e, "sandbox.yaml", () -> e.body().equals("# my policy\n"));
        assertTrue(!e.dirty(), "as Get left it");
    }

    // ---- helpers ----

    /** A command running this build's anvilsrv, as Assist runs one: a program taking the verb. */
    private String anvilsrvCommand() throws IOException {
        Path p = dir.resolve("anvilsrv");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(p, "#!/bin/sh\nexec " + String.join(" ", List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "dev.anvillm.srv.Anvilsrv").stream().map(w -> "'" + w.replace("'", "'\\''") + "'").toList())
                + " \"$@\"\n");
        assertTrue(p.toFile().setExecutable(true));
        return p.toString();
    }

    /** The pid in the name space's pid file. */
    private long daemonPid() throws IOException {
        return Long.parseLong(Files.readString(daemon.ns.socket().getParent().resolve("anvilsrv.pid")).strip());
    }


    private List<Session> list() {
        try {
            return daemon.client.list();
        } catch (ClientException e) {
            return List.of();
        }
    }

    private String aliasOf(String id) {
        return list().stream().filter(s -> s.id().equals(id)).findFirst().map(Session::alias).orElse(null);
    }

    interface Text {
        String get() throws IOException;
    }

    /** What {@code t} gives, or its error's message: for conditions and what a failed wait saw. */
    private static String said(Text t) {
        try {
            return t.get();
        } catch (IOException e) {
            return String.valueOf(e.getMessage());
        }
    }

    private String contextOf(String id) {
        return said(() -> daemon.client.context(id));
    }

    private static String read(Path p) {
        return said(() -> Files.readString(p));
    }
}
