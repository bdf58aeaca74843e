package dev.anvillm.srv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The control socket seen from inside a sandboxed session (real Landlock, real peer credentials):
 * a process in a session — or detached from one — gets agent rights only.
 */
class AgentRightsTest {
    @TempDir Path tmp;
    private TestNamespace ns;
    private Agents a;
    private Path work;
    private String client;

    @BeforeEach
    void daemon() throws Exception {
        ns = new TestNamespace(tmp);
        ns.backendsYaml("""
                backends:
                  quick:
                    extends: testagent
                    args: [--work-ms, "50"]
                """);
        // the session runs our own 9p client: the JDK and the test classpath must be readable in it
        List<String> rox = new ArrayList<>(List.of("/usr", "/bin", "/lib", "/lib64", "/etc", System.getProperty("java.home")));
        for (String p : System.getProperty("java.class.path").split(File.pathSeparator)) rox.add(p);
        Files.createDirectories(ns.locations().configDir());
        Files.writeString(ns.locations().configDir().resolve("sandbox.yaml"),
                "filesystem:\n  rox:\n" + rox.stream().map(p -> "    - \"" + p + "\"\n").reduce("", String::concat));
        ns.fgstart();
        a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
        work = Files.createDirectories(tmp.resolve("work"));
        client = "'" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -cp '" + System.getProperty("java.class.path")
                + "' dev.anvillm.ninep.cli.NinepCommand";
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
    void aSessionMayReadTheTreeAndMessageAPeerButNotCreateSessions() throws Exception {
        String peer = a.create("quick " + work + " alias=peer");
        String sh = a.create("sh " + work + " alias=shell");
        a.awaitState(sh, "idle");
        a.awaitState(peer, "idle");
        assertTrue(a.read(sh + "/info").contains("sandbox\tlandlock ABI"), a.read(sh + "/info"));

        Agents.ShellResult list = run(sh, "list", client + " read agent/list");
        assertEquals(0, list.rc(), "out: " + list.out() + " err: " + list.err());
        assertTrue(list.out().contains(peer + "\tpeer\t"), list.out());

        Agents.ShellResult create = run(sh, "new", "echo 'new sh /tmp' | " + client + " write agent/ctl");
        assertNotEquals(0, create.rc());
        assertTrue(create.err().contains("permission denied"), create.err());

        Agents.ShellResult stopPeer = run(sh, "stop", "echo stop | " + client + " write agent/peer/ctl");
        assertTrue(stopPeer.err().contains("permission denied"), stopPeer.err());
        Agents.ShellResult otherState = run(sh, "state", "echo running | " + client + " write agent/peer/state");
        assertTrue(otherState.err().contains("permission denied"), otherState.err());
        Agents.ShellResult alias = run(sh, "alias", "echo x | " + client + " write agent/peer/alias");
        assertTrue(alias.err().contains("permission denied"), alias.err());

        Agents.ShellResult message = run(sh, "msg", "echo 'please review' | " + client + " write agent/peer/in");
        assertEquals(0, message.rc(), message.err());
        String reply = a.read(peer + "/reply");
        assertTrue(reply.startsWith("echo: [message from agent shell (" + sh + "); to answer, write to agent/" + sh + "/in]"), reply);
        a.awaitState(peer, "idle");
        assertTrue(a.logSoFar(peer).contains("please review"));
        assertEquals(2, a.read("list").lines().count(), "no session was created from inside");
        assertEquals("idle", a.state(peer), "the agent could not stop its peer");
    }

    @Test
    void detachedChildrenOfASessionAreStillAgents() throws Exception {
        String sh = a.create("sh " + work);
        a.awaitState(sh, "idle");
        String attempt = "echo 'new sh /tmp' | " + client + " write agent/ctl";
        // setsid: a new session and process group, reparented away from the backend
        a.write(sh + "/in", "setsid sh -c \"" + attempt.replace("\"", "\\\"") + " > setsid.out 2> setsid.err; echo \\$? > setsid.rc\" < /dev/null &\n");
        Agents.ShellResult setsid = a.awaitShell(sh, work, "setsid");
        assertNotEquals(0, setsid.rc());
        assertTrue(setsid.err().contains("permission denied"), setsid.err());
        // a double fork: the grandchild's parent is gone before it connects
        a.write(sh + "/in", "( ( sleep 1; " + attempt + " > fork.out 2> fork.err; echo $? > fork.rc ) & ) &\n");
        Agents.ShellResult fork = a.awaitShell(sh, work, "fork");
        assertNotEquals(0, fork.rc());
        assertTrue(fork.err().contains("permission denied"), fork.err());
        assertEquals(1, a.read("list").lines().count(), "no session was created from inside");
    }
}
