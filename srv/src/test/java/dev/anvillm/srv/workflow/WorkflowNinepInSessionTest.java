package dev.anvillm.srv.workflow;

import dev.anvillm.srv.Agents;
import dev.anvillm.srv.TestNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code 9p} inside a session with no setup at all: no sandbox.yaml, so the default policy, and
 * no plan9port on this machine. What agents of a workflow do with it — read the list, message a
 * peer, say their own state — works; what SPEC §8.4 denies them stays denied.
 */
class WorkflowNinepInSessionTest {
    @TempDir Path tmp;
    private TestNamespace ns;
    private Agents a;
    private Path work;

    @BeforeEach
    void daemon() throws Exception {
        ns = new TestNamespace(tmp);
        ns.backendsYaml("""
                backends:
                  quick:
                    extends: testagent
                    args: [--work-ms, "50"]
                """);
        ns.fgstart();
        a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        ns.close();
    }

    private Agents.ShellResult run(String sh, String tag, String command) throws Exception {
        return a.runInShell(sh, work, tag, command);
    }

    @Test
    void anAgentUnderTheDefaultPolicyMessagesAPeerAndSaysItsStateWith9p() throws Exception {
        String peer = a.create("quick " + work + " alias=peer");
        String me = a.create("sh " + work + " alias=me");
        a.awaitState(me, "idle");
        a.awaitState(peer, "idle");

        Agents.ShellResult which = run(me, "which", "echo \"$PATH\" >&2; ls -la \"${PATH%%:*}\" >&2; command -v 9p");
        assertEquals(0, which.rc(), "9p is on the session's PATH: " + which.err() + a.read(me + "/info"));
        Path nine = Path.of(which.out().strip());
        assertTrue(nine.startsWith(ns.locations().stateDir()), "the project's own client, in the state directory: " + nine);

        Agents.ShellResult list = run(me, "list", "9p read agent/list");
        assertEquals(0, list.rc(), list.err());
        assertTrue(list.out().contains(peer + "\tpeer\t") && list.out().contains(me + "\tme\t"), list.out());

        Agents.ShellResult message = run(me, "msg", "echo 'please review the staged change' | 9p write agent/peer/in");
        assertEquals(0, message.rc(), message.err());
        assertTrue(a.read(peer + "/reply").contains("[message from agent me (" + me + "); to answer, write to agent/" + me + "/in]"));
        assertTrue(a.logSoFar(peer).contains("please review the staged change"));

        Agents.ShellResult state = run(me, "state", "echo idle | 9p write agent/me/state");
        assertEquals(0, state.rc(), state.err());

        Agents.ShellResult create = run(me, "new", "echo 'new sh /tmp' | 9p write agent/ctl");
        assertNotEquals(0, create.rc());
        assertTrue(create.err().contains("permission denied"), create.err());
        Agents.ShellResult stopPeer = run(me, "stop", "echo stop | 9p write agent/peer/ctl");
        assertTrue(stopPeer.err().contains("permission denied"), stopPeer.err());
        assertEquals(2, a.read("list").lines().count(), "no session was created from inside");

        Agents.ShellResult replace = run(me, "replace", "echo 'echo pwned' > '" + nine + "'");
        assertNotEquals(0, replace.rc(), "the client another session runs cannot be changed from this one");
        assertTrue(Files.readString(nine).contains("NinepCommand"));
    }
}
