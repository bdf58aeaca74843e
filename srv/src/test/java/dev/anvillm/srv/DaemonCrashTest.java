package dev.anvillm.srv;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.anvillm.srv.Faults.*;
import static dev.anvillm.srv.TestAgentSessionTest.expectedReply;
import static org.junit.jupiter.api.Assertions.*;

/** SPEC §7: the daemon (or its tmux server) dies at any moment and comes back; nothing acknowledged is lost. */
class DaemonCrashTest extends DaemonFixture {
    @BeforeEach
    void daemon() throws Exception {
        startDaemon("""
                backends:
                  quick:
                    extends: testagent
                    args: [--work-ms, "50"]
                """);
    }

    private String diagnosis(String id) throws Exception {
        return a.read(id + "/info") + a.logSoFar(id) + "\n--- daemon:\n" + ns.stderrOf(daemon);
    }

    private String ask(String id, String prompt) throws Exception {
        a.write(id + "/in", prompt);
        return reply(a, id);
    }

    private String session(String alias) throws Exception {
        String id = a.create("quick " + project + " alias=" + alias);
        a.awaitState(id, "idle");
        assertEquals(expectedReply(alias + " 1\n", 1) + "\n", ask(id, alias + " 1\n"));
        return id;
    }

    /** kill -9 of the daemon, then a new one on the same namespace and state. */
    private void crashDaemon() throws Exception {
        a.close();
        killDaemon(daemon);
    }

    private void startDaemon() throws Exception {
        daemon = ns.fgstart();
        a = new Agents(ns.socket());
    }

    @Test
    void afterKillNineTheDaemonAdoptsLiveSessionsRestartsDeadOnesAndKeepsStopFlagsAndQueues() throws Exception {
        String live = session("live");
        String off = session("off");
        String dead = session("dead");
        String busy = session("busy");
        a.write(off + "/ctl", "stop\n");
        long livePid = pid(a, live);
        long deadPid = pid(a, dead);
        long busyPid = pid(a, busy);
        a.write(busy + "/in", "/sleep 3000\n");
        a.awaitState(busy, "running");
        a.write(busy + "/in", "busy 3\n");
        a.write(busy + "/in", "busy 4\n");
        assertEquals("2", info(a, busy, "queued"));

        crashDaemon();
        assertTrue(alive(livePid) && alive(busyPid), "sessions outlive their daemon");
        kill9(deadPid); // dies while no daemon watches
        startDaemon();

        // same id, alias and pid: adopted, not restarted
        assertEquals(livePid, pid(a, live));
        assertEquals("idle", a.state(live));
        assertEquals("live\n", a.read(live + "/alias"));
        assertEquals(expectedReply("live 2\n", 2) + "\n", ask(live, "live 2\n"));
        assertEquals("0", info(a, live, "restarts"));
        // the stop flag holds
        assertEquals("stopped", a.state(off));
        assertEquals("0", a.read(off + "/pid").strip());
        // the dead one restarts per policy, its conversation resumed
        await("the dead session restarted", () -> pid(a, dead) != deadPid && a.state(dead).equals("idle"), () -> diagnosis(dead));
        assertTrue(info(a, dead, "last-exit").startsWith("killed by signal 9 while the daemon was away"), diagnosis(dead));
        assertEquals(expectedReply("dead 2\n", 2) + "\n", ask(dead, "dead 2\n"));
        // the busy one: adopted running, and every prompt it had answered once, in order
        assertEquals(busyPid, pid(a, busy));
        assertEquals(expectedReply("busy 4\n", 4) + "\n", reply(a, busy), diagnosis(busy));
        assertEquals(expectedReply("busy 1\n", 1) + "\n\n" + expectedReply("/sleep 3000\n", 2) + "\n\n"
                + expectedReply("busy 3\n", 3) + "\n\n" + expectedReply("busy 4\n", 4) + "\n\n", a.read(busy + "/out"), diagnosis(busy));
    }

    @Test
    void aPromptWhoseDeliveryWasCutShortByTheCrashIsDeliveredOnceNotDroppedNorTwice() throws Exception {
        String lost = session("lost");
        String kept = session("kept");
        long lostPid = pid(a, lost);
        long keptPid = pid(a, kept);
        try (Freezer lostFrozen = new Freezer("anvillm-lost"); Freezer keptFrozen = new Freezer("anvillm-kept")) {
            // frozen backends: the paste sits in their terminals, unconfirmed, when the daemon dies
            lostFrozen.freeze(lostPid);
            keptFrozen.freeze(keptPid);
            a.write(lost + "/in", "lost 2\n");
            a.write(kept + "/in", "kept 2\n");
            for (String id : List.of(lost, kept)) {
                await("an unconfirmed delivery", () -> a.logSoFar(id).contains("prompt delivery not confirmed"), () -> diagnosis(id));
            }
            crashDaemon();
            // lost: the backend dies with the paste in its terminal; kept: it wakes and takes the prompt
            signal(lostPid, "KILL");
            lostFrozen.thaw();
            await("pid " + lostPid + " gone", () -> !alive(lostPid), () -> "");
            int stops = hookEvents(ns, kept, "Stop");
            keptFrozen.thaw();
            await("the kept prompt answered while no daemon ran", () -> hookEvents(ns, kept, "Stop") > stops, () -> "");
        }
        startDaemon();

        await("the lost session restarted", () -> pid(a, lost) != lostPid && pid(a, lost) > 0, () -> diagnosis(lost));
        assertEquals(expectedReply("lost 2\n", 2) + "\n", reply(a, lost), diagnosis(lost));
        assertEquals(expectedReply("lost 1\n", 1) + "\n\n" + expectedReply("lost 2\n", 2) + "\n\n", a.read(lost + "/out"));

        assertEquals(keptPid, pid(a, kept));
        assertEquals(expectedReply("kept 2\n", 2) + "\n", reply(a, kept), diagnosis(kept));
        assertEquals(expectedReply("kept 3\n", 3) + "\n", ask(kept, "kept 3\n"), diagnosis(kept));
        assertEquals(expectedReply("kept 1\n", 1) + "\n\n" + expectedReply("kept 2\n", 2) + "\n\n" + expectedReply("kept 3\n", 3) + "\n\n",
                a.read(kept + "/out"));
        assertEquals(1, count(a.logSoFar(kept), "USER: kept 2\n"), diagnosis(kept));
    }

    @Test
    void killingTheTmuxServerBringsEverySessionBackResumed() throws Exception {
        String one = session("one");
        String two = session("two");
        long onePid = pid(a, one);
        long twoPid = pid(a, two);
        tmux(ns, "kill-server");
        for (String id : List.of(one, two)) {
            long old = id.equals(one) ? onePid : twoPid;
            await("session " + id + " back", () -> pid(a, id) != old && pid(a, id) > 0 && a.state(id).equals("idle"), () -> diagnosis(id));
        }
        assertEquals(expectedReply("one 2\n", 2) + "\n", ask(one, "one 2\n"));
        assertEquals(expectedReply("two 2\n", 2) + "\n", ask(two, "two 2\n"));
        assertTrue(infoAll(a, one, "history").stream().anyMatch(h -> h.contains("restarting in 1 s")), diagnosis(one));
    }

    /** Processes now whose arguments name the namespace's tmux socket, but {@code server}'s (forked from a client, it keeps its argv). */
    private List<ProcessHandle> namingTheSocket(long server) {
        String socket = ns.tmuxSocket().toString();
        return ProcessHandle.allProcesses().filter(h -> h.pid() != server)
                .filter(h -> h.info().arguments().map(x -> List.of(x).contains(socket)).orElse(false)).toList();
    }

    private List<ProcessHandle> controlClients(long server) {
        return namingTheSocket(server).stream().filter(h -> h.info().arguments().map(x -> List.of(x).contains("-C")).orElse(false)).toList();
    }

    private long tmuxServer() throws Exception {
        return Long.parseLong(tmux(ns, "display-message", "-p", "#{pid}").strip());
    }

    private static String described(List<ProcessHandle> ps) {
        return ps.stream().map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).reduce("", (x, y) -> x + y + "\n");
    }

    @Test
    void aKilledDaemonLeavesNoControlClientAndTheNextAdoptsItsSessions() throws Exception {
        String id = session("orphan");
        long pid = pid(a, id);
        long server = tmuxServer();
        assertFalse(controlClients(server).isEmpty(), "the daemon reads its panes through a tmux -C client");

        crashDaemon();
        // checked here, not left to the namespace's close (which kills whatever names the socket)
        await("no tmux control client left by the killed daemon", () -> controlClients(server).isEmpty(), () -> described(controlClients(server)));
        // its control session ends with it; the session's window, linked into it, stays in its own session
        await("the control session gone", () -> !tmux(ns, "list-sessions", "-F", "#{session_name}").contains(dev.anvillm.srv.host.Tmux.CONTROL),
                () -> tmux(ns, "list-sessions"));
        assertTrue(alive(pid), "the session outlives its daemon");
        assertTrue(alive(server), "its tmux server too");
        assertEquals(Long.toString(pid), tmux(ns, "list-panes", "-t", "=" + id + ":", "-F", "#{pane_pid}").strip());

        startDaemon();
        assertEquals(pid, pid(a, id), "adopted, not restarted");
        assertEquals("idle", a.state(id));
        assertEquals(expectedReply("orphan 2\n", 2) + "\n", ask(id, "orphan 2\n"));
        assertEquals(1, controlClients(server).size(), described(controlClients(server)));
    }

    @Test
    void aKilledDaemonWhoseTmuxServerHeldNoSessionLeavesNoServer() throws Exception {
        String id = session("gone");
        a.write(id + "/ctl", "kill\n");
        await("the session gone", () -> !a.read("list").contains(id), () -> a.read("list"));
        long server = tmuxServer(); // kept by the control session (and the spares, if any)
        assertTrue(tmux(ns, "list-sessions", "-F", "#{session_name}").contains(dev.anvillm.srv.host.Tmux.CONTROL));

        crashDaemon();
        await("nothing left naming the tmux socket", () -> !alive(server) && namingTheSocket(-1).isEmpty(),
                () -> described(namingTheSocket(-1)) + tmux(ns, "list-sessions"));
    }

    /**
     * A command written to sh session {@code id}'s {@code in}: the session is seen running, and
     * idle within 3 s of the command's end, its screen read on the pane's output. (The
     * supervisor's sweep, every 5 s, looks too: one command after another, with the screen
     * unread, the next look would come 4 s or more after the end.)
     */
    private void shellTurn(String id, String tag) throws Exception {
        Path go = project.resolve(tag + ".go"), done = project.resolve(tag + ".done");
        a.write(id + "/in", "while [ ! -e " + go + " ]; do sleep 0.05; done; echo " + tag + " > " + done + "\n");
        a.awaitState(id, "running");
        Files.createFile(go);
        await(tag + " run", () -> Files.exists(done), () -> diagnosis(id));
        long end = System.nanoTime();
        a.awaitState(id, "idle");
        long ms = (System.nanoTime() - end) / 1_000_000;
        assertTrue(ms < 3000, tag + ": idle " + ms + " ms after the command's end: its screen was not read on its output\n" + diagnosis(id));
    }

    @Test
    void aShellIsStillReadOffItsScreenAfterTheControlClientAndTheServerWereKilled() throws Exception {
        String sh = a.create("sh " + project);
        a.awaitState(sh, "idle");
        shellTurn(sh, "before");

        long server = tmuxServer();
        List<ProcessHandle> clients = controlClients(server);
        assertEquals(1, clients.size(), described(clients));
        kill9(clients.getFirst().pid());
        for (int i = 1; i <= 3; i++) shellTurn(sh, "client" + i);
        assertEquals(1, controlClients(server).size(), "a new client, and one: " + described(controlClients(server)));

        long old = pid(a, sh);
        tmux(ns, "kill-server");
        await("the shell back on a new server", () -> pid(a, sh) != old && pid(a, sh) > 0 && a.state(sh).equals("idle"), () -> diagnosis(sh));
        for (int i = 1; i <= 3; i++) shellTurn(sh, "server" + i);
    }

    @Test
    void aCorruptOrTornSessionFileIsSetAsideAndTheDaemonServesTheRest() throws Exception {
        String torn = session("torn");
        String garbled = session("garbled");
        String good = session("good");
        long goodPid = pid(a, good);
        crashDaemon();
        Path tornFile = sessionDir(ns, torn).resolve("session.json");
        String json = Files.readString(tornFile);
        Files.writeString(tornFile, json.substring(0, json.length() / 2));
        Files.write(sessionDir(ns, garbled).resolve("session.json"), new byte[]{0, (byte) 0xff, '{', 'x', 0x7f});
        // a queued prompt whose write a crash cut short (never acknowledged) is not delivered
        Files.writeString(sessionDir(ns, good).resolve("queue").resolve(".0000000000000001.prompt.tmp1-1"), "half a prom");
        startDaemon();

        assertEquals(good + "\tgood\tidle\t" + goodPid + "\t" + project + "\n", a.read("list"));
        for (String id : List.of(torn, garbled)) {
            try (Stream<Path> files = Files.list(sessionDir(ns, id))) {
                assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("session.json.corrupt-")), "set aside, not deleted");
            }
            assertTrue(ns.stderrOf(daemon).contains("session " + id + " is not restored: its record is unreadable"), ns.stderrOf(daemon));
        }
        assertTrue(ns.stderrOf(daemon).contains("set aside as session.json.corrupt-"), ns.stderrOf(daemon));
        assertEquals(expectedReply("good 2\n", 2) + "\n", ask(good, "good 2\n"));
        try (Stream<Path> q = Files.list(sessionDir(ns, good).resolve("queue"))) {
            assertEquals(0, q.count());
        }

        // and the next start is quiet about it
        crashDaemon();
        startDaemon();
        assertEquals(good + "\tgood\tidle\t" + goodPid + "\t" + project + "\n", a.read("list"));
    }

    @Test
    void anvilsrvStopLeavesSessionsRunningAndStopSessionsStopsThem() throws Exception {
        String id = session("s");
        long pid = pid(a, id);
        a.close();
        TestNamespace.Result r = ns.run("stop");
        assertEquals(0, r.exit(), r.err());
        TestNamespace.awaitExit(daemon);
        assertTrue(alive(pid), "anvilsrv stop must leave sessions running");
        startDaemon();
        assertEquals(pid, pid(a, id));
        assertEquals(expectedReply("s 2\n", 2) + "\n", ask(id, "s 2\n"));

        a.close();
        r = ns.run("stop", "--sessions");
        assertEquals(0, r.exit(), r.err());
        TestNamespace.awaitExit(daemon);
        assertFalse(alive(pid), "anvilsrv stop --sessions stops them");
        startDaemon();
        assertEquals("stopped", a.state(id));
        a.write(id + "/ctl", "start\n");
        a.awaitState(id, "idle");
        assertEquals(expectedReply("s 3\n", 3) + "\n", ask(id, "s 3\n"));
    }
}
