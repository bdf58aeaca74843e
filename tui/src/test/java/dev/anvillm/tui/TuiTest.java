package dev.anvillm.tui;

import dev.anvillm.client.AgentClient;
import dev.anvillm.client.Command;
import dev.anvillm.client.Session;
import dev.anvillm.client.State;
import dev.anvillm.client.TestDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static dev.anvillm.tui.TuiPane.chosen;
import static dev.anvillm.tui.TuiPane.cursor;
import static dev.anvillm.tui.TuiPane.row;
import static dev.anvillm.tui.TuiPane.status;
import static org.junit.jupiter.api.Assertions.*;

/** anvillm in a real 80×24 terminal against the real daemon, driven by its keys. */
class TuiTest {
    @TempDir Path tmp;
    TestDaemon d;
    AgentClient c;
    TuiPane tui;

    @BeforeEach
    void daemon() throws Exception {
        d = new TestDaemon(tmp);
        c = d.client;
    }

    @AfterEach
    void stop() throws Exception {
        if (tui != null) tui.close();
        if (d != null) d.close();
    }

    private void open(int width, int height) throws Exception {
        Map<String, String> env = new HashMap<>(d.ns.env());
        env.put("TERM", "xterm-256color");
        env.put("LC_ALL", "C.UTF-8");
        tui = new TuiPane(tmp, env, d.project, width, height);
    }

    private String idle(String backend, String alias) throws Exception {
        return idle(backend, d.project, alias);
    }

    private String idle(String backend, Path dir, String alias) throws Exception {
        String id = c.create(backend, dir.toString(), alias);
        d.awaitState(id, State.IDLE);
        return id;
    }

    private State state(String id) throws Exception {
        return c.state(id);
    }

    @Test
    void theTableIsLiveAndAKeyActsOnTheSessionUnderTheCursorByIdNotByRow() throws Exception {
        String a = idle("quick", "alpha");
        String b = idle("quick", "bravo");
        String cc = idle("quick", "charlie");
        open(80, 24);
        tui.await("three rows", s -> row(s, a) != null && row(s, b) != null && row(s, cc) != null);
        tui.keys("j");
        tui.await("the cursor on bravo", s -> b.equals(cursor(s)));
        // behind the TUI's back: one above the cursor goes, a new one comes
        String dd = c.create("quick", d.project.toString(), "delta");
        c.command(a, Command.KILL);
        String s = tui.await("alpha gone and delta shown", x -> row(x, a) == null && row(x, dd) != null);
        assertEquals(b, cursor(s), "the cursor stays on bravo:\n" + s);
        d.awaitState(dd, State.IDLE);
        tui.keys("t");
        d.awaitState(b, State.STOPPED);
        tui.await("bravo stopped", x -> row(x, b).contains("stopped"));
        assertEquals(State.IDLE, state(cc));
        assertEquals(State.IDLE, state(dd));
        // a state change behind its back shows without a key
        c.command(cc, Command.STOP);
        tui.await("charlie stopped", x -> row(x, cc).contains("stopped"));
        assertTrue(status(tui.screen()).contains("3 sessions"), tui.screen());
    }

    @Test
    void theTableShowsTheCpuAndMemoryOfEachSessionFromAgentStatsAndStillFitsIn80Columns() throws Exception {
        String id = idle("quick", "dev");
        String gone = idle("quick", "halted");
        c.command(gone, Command.STOP);
        d.awaitState(gone, State.STOPPED);
        open(80, 24);
        java.util.regex.Pattern figures = java.util.regex.Pattern.compile(" idle +\\d+ +\\d+(\\.\\d)? +\\d+(\\.\\d)?[KMG] +\\S");
        String s = tui.await("dev's CPU and memory", x -> row(x, id) != null && figures.matcher(row(x, id)).find());
        System.out.println("the TUI at 80x24:\n" + s);
        String header = s.lines().skip(1).findFirst().orElseThrow();
        assertTrue(java.util.regex.Pattern.matches(" ID +ALIAS +BACKEND +STATE +PID +CPU% +MEM +CWD *", header), header);
        assertTrue(row(s, gone).matches(".* stopped +- +- +- +\\S.*"), "a stopped session uses nothing:\n" + s);
        for (String line : s.lines().toList()) assertTrue(Text.width(line) <= 80, "wider than the terminal: " + line);
        assertTrue(row(s, id).endsWith("project"), "the cwd's end still shows: " + row(s, id));
    }

    @Test
    void aPromptIsAnsweredInThePreviewAndOneToABusySessionIsQueued() throws Exception {
        String id = idle("quick", "dev");
        open(80, 24);
        tui.await("dev", x -> row(x, id) != null);
        tui.keys("p");
        tui.await("the prompt editor", x -> x.contains("prompt to dev"));
        tui.type("hello from the tui");
        tui.keys("Enter");
        tui.type("second line");
        tui.keys("C-d");
        // awaited whole, here and below: a capture can fall between the rows of one repaint
        tui.await("the reply in the preview, sent to dev", x -> x.contains("echo: hello from the tui [30 bytes, 2 lines")
                && status(x).contains("sent to dev"));

        String slow = idle("slow", "busy");
        tui.keys("j");
        tui.await("the cursor on busy", x -> slow.equals(cursor(x)));
        c.prompt(slow, "first");
        tui.await("busy running", x -> row(x, slow).contains("running"));
        tui.keys("p");
        tui.await("the prompt editor", x -> x.contains("prompt to busy"));
        tui.type("second");
        tui.keys("C-d");
        tui.await("queued", x -> status(x).contains("queued for busy"));
        // the running session's screen is the preview, and its turn ends in a reply there
        tui.await("the second reply", x -> x.contains("echo: second"));
    }

    @Test
    void newSessionOffersTheBackendsAndTakesADirectoryWithTildeAndAnAlias() throws Exception {
        Path dir = Files.createDirectories(Path.of(d.ns.env().get("HOME")).resolve("projé 日本"));
        open(80, 24);
        tui.await("the empty table", x -> x.contains("no sessions yet"));
        tui.keys("s");
        // backends that cannot start say so
        tui.await("the form, with unavailable backends", x -> x.contains("new session") && x.contains("quick") && x.contains("unavailable"));
        // one Down at a time, each awaited: keys sent faster than the form repaints would overshoot
        for (int i = 0; i < 12; i++) {
            String before = chosen(tui.screen());
            if ("quick".equals(before)) break;
            tui.keys("Down");
            tui.await("the choice to move from " + before, x -> !java.util.Objects.equals(chosen(x), before));
        }
        tui.await("quick chosen", x -> "quick".equals(chosen(x)));
        tui.keys("Tab", "C-u");
        tui.type("~/projé 日本");
        tui.keys("Tab");
        tui.type("made");
        tui.keys("Enter");
        tui.await("the new session", x -> x.contains("made") && x.contains("quick"));
        String id = c.list().getFirst().id();
        assertEquals(dir.toString(), c.list().getFirst().cwd());
        tui.await("the cursor on it", x -> id.equals(cursor(x)));
        tui.await("its directory", x -> row(x, id).contains("日本"));
        tui.await("what it did, in the status line", x -> status(x).contains("created " + id));
    }

    @Test
    void everyKeyOfTheTableDoesItsOneThing() throws Exception {
        String id = idle("quick", "one");
        String other = idle("quick", "two");
        open(80, 24);
        tui.await("both", x -> row(x, id) != null && row(x, other) != null);
        // a alias
        tui.keys("a");
        tui.await("the alias editor", x -> x.contains("alias of " + id));
        tui.keys("C-u");
        tui.type("uno");
        tui.keys("Enter");
        tui.await("the new alias", x -> row(x, id).contains("uno"));
        // c context
        tui.keys("c");
        tui.await("the context editor", x -> x.contains("sent ahead of each"));
        tui.type("Be brief.");
        tui.keys("C-d");
        tui.await("context set", x -> status(x).contains("context of uno"));
        assertEquals("Be brief.", c.context(id).strip());
        // t stop, S start, R restart, r refresh, i interrupt
        tui.keys("t");
        d.awaitState(id, State.STOPPED);
        tui.keys("S");
        d.awaitState(id, State.IDLE);
        long pid = c.info(id).session().pid();
        tui.keys("R");
        TestDaemon.await("a new pid after restart", () -> {
            try {
                Session s = c.info(id).session();
                return s.state() == State.IDLE && s.pid() != pid;
            } catch (Exception e) {
                return false;
            }
        }, () -> "");
        tui.keys("r");
        tui.await("refresh answered", x -> status(x).contains("refresh: uno"));
        tui.keys("i");
        tui.await("interrupt answered", x -> status(x).contains("interrupt: uno"));
        // l log: streams, scrolls, closes with q
        tui.keys("l");
        tui.await("the log", x -> x.contains("log of uno") && x.contains("EVENT:"));
        c.prompt(id, "seen live");
        tui.await("a new entry while open", x -> x.contains("USER: seen live"));
        tui.keys("q");
        tui.await("the table again", x -> !x.contains("log of uno") && row(x, id) != null);
        // d daemon, ? help (Esc closes)
        tui.keys("d");
        tui.await("the daemon's facts", x -> x.contains("anvilsrv running") && x.contains("sessions   2"));
        tui.keys("Escape");
        tui.keys("?");
        tui.await("help", x -> x.contains("attach (tmux"));
        tui.keys("q");
        // / filter
        tui.keys("/");
        tui.type("two");
        tui.keys("Enter");
        tui.await("only two, filtered", x -> row(x, other) != null && row(x, id) == null
                && x.contains("filter: two") && status(x).contains("(1 shown)"));
        tui.keys("Escape");
        tui.await("both again", x -> row(x, id) != null && row(x, other) != null);
        tui.keys("k");
        tui.await("the cursor on uno", x -> id.equals(cursor(x)));
        // K kill asks first: n keeps it, y kills it
        tui.keys("K");
        tui.await("the question", x -> x.contains("Kill uno"));
        tui.keys("n");
        tui.await("the question gone", x -> !x.contains("Kill uno"));
        assertTrue(c.list().stream().anyMatch(s -> s.id().equals(id)));
        tui.keys("K");
        tui.await("the question", x -> x.contains("Kill uno"));
        tui.keys("y");
        tui.await("uno gone", x -> row(x, id) == null);
        assertEquals(1, c.list().size());
        // q quits and gives the terminal back as it was
        tui.keys("q");
        String after = tui.await("the exit", x -> x.contains("anvillm exited") && x.contains("icanon") && x.contains("echo\n"));
        assertTrue(after.contains("anvillm exited 0") && after.contains("\nicanon") && after.contains("\necho"), after);
    }

    @Test
    void enterAttachesAndDetachingComesBack() throws Exception {
        String id = idle("quick", "att");
        open(80, 24);
        tui.await("att", x -> row(x, id) != null);
        tui.keys("Enter");
        tui.await("the agent's own screen", x -> x.contains("anvillm-testagent") && row(x, id) == null);
        tui.type("typed while attached");
        tui.keys("Enter");
        TestDaemon.await("the typed prompt answered", () -> {
            try {
                return c.out(id).contains("echo: typed while attached");
            } catch (Exception e) {
                return false;
            }
        }, () -> "");
        tui.keys("C-b", "d");
        // awaited whole: a capture can fall between the rows of the repaint after the detach
        tui.await("the table again, back from att", x -> row(x, id) != null && status(x).contains("back from att"));
        // keys work again after the terminal came back
        tui.keys("t");
        d.awaitState(id, State.STOPPED);
    }

    @Test
    void aDaemonKilledAndStartedAgainIsFollowedWithoutAKey() throws Exception {
        String id = idle("quick", "stays");
        open(80, 24);
        tui.await("stays", x -> row(x, id) != null);
        d.kill();
        // rows stay while the daemon is away
        tui.await("the outage, the rows kept", x -> status(x).contains("daemon not answering") && status(x).contains("anvilsrv start")
                && row(x, id) != null);
        tui.keys("j", "?");
        tui.await("keys still answer", x -> x.contains("attach (tmux"));
        tui.keys("q");
        d.start();
        tui.await("the daemon back, stays idle", x -> status(x).contains("daemon back") && row(x, id) != null && row(x, id).contains("idle"));
        c.alias(id, "again");
        tui.await("a change after the restart", x -> row(x, id).contains("again"));
    }

    @Test
    void manySessionsScrollAndTheLayoutFollowsAResize() throws Exception {
        for (int i = 0; i < 14; i++) c.create("quick", d.project.toString(), "s" + i);
        open(80, 24);
        String s = tui.await("14 sessions", x -> status(x).contains("14 sessions"));
        assertTrue(s.contains("s0") && !s.contains("s13 "), "the first rows fit, the last do not yet:\n" + s);
        tui.keys("G");
        // awaited whole: a capture can fall between the rows of one repaint
        tui.await("the last row, the first scrolled away", x -> x.contains("s13") && !x.contains(" s0 "));
        tui.keys("g");
        tui.await("the first row again", x -> x.contains(" s0 "));
        tui.resize(120, 40);
        tui.await("all rows in the taller window", x -> x.contains(" s0 ") && x.contains("s13") && x.lines().anyMatch(l -> l.length() > 100));
    }

    @Test
    void aDaemonErrorIsItsOneLineInTheStatusLine() throws Exception {
        String id = idle("quick", "halted");
        c.command(id, Command.STOP);
        d.awaitState(id, State.STOPPED);
        open(80, 24);
        tui.await("halted stopped", x -> row(x, id) != null && row(x, id).contains("stopped"));
        tui.keys("p");
        tui.await("the prompt editor", x -> x.contains("prompt to halted"));
        tui.type("anyone there?");
        tui.keys("C-d");
        String s = tui.await("the daemon's refusal", x -> status(x).contains("start"));
        assertFalse(status(s).contains("sent to"), s);
        assertEquals(State.STOPPED, state(id), "a refused prompt starts nothing");
    }

    @Test
    void sigtermGivesTheTerminalBack() throws Exception {
        open(80, 24);
        tui.await("the table", x -> x.contains("ID") && x.contains("CWD"));
        ProcessHandle java = tui.program();
        java.destroy();
        String after = tui.await("the exit", x -> x.contains("anvillm exited") && x.contains("icanon") && x.contains("echo\n"));
        assertTrue(after.contains("\nicanon") && after.contains("\necho"), after);
        assertFalse(after.contains("CWD"), "the TUI's screen is gone (the alternate screen was left):\n" + after);
    }

    @Test
    void ctrlCQuitsAndGivesTheTerminalBack() throws Exception {
        open(80, 24);
        tui.await("the table", x -> x.contains("ID") && x.contains("CWD"));
        tui.keys("C-c");
        String after = tui.await("the exit", x -> x.contains("anvillm exited") && x.contains("icanon") && x.contains("echo\n"));
        assertTrue(after.contains("anvillm exited 0") && after.contains("\nicanon") && after.contains("\necho"), after);
    }
}
