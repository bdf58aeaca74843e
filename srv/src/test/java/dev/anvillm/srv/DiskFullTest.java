package dev.anvillm.srv;

import dev.anvillm.ninep.client.RerrorException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.anvillm.srv.Faults.*;
import static dev.anvillm.srv.TestAgentSessionTest.expectedReply;
import static org.junit.jupiter.api.Assertions.*;

/**
 * SPEC §2, §7 with the state directory's disk full: a prompt that cannot be stored fails its
 * write with a clear error (never acknowledged), the daemon stays up, nothing acknowledged is
 * lost, and it all works again once there is space. The state directory is a 2 MiB tmpfs; where
 * mounting is refused the full disk is simulated (the queue directory made unwritable), and the
 * test says so.
 */
class DiskFullTest {
    @TempDir Path tmp;
    private TestNamespace ns;
    private Process daemon;
    private Agents a;
    private Path state;
    private boolean mounted;

    @BeforeEach
    void daemon() throws Exception {
        ns = new TestNamespace(tmp);
        state = Files.createDirectories(tmp.resolve("state"));
        String refused = run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", state.toString());
        mounted = refused == null;
        if (!mounted) System.out.println("DiskFullTest: mount refused (" + refused.strip() + "); simulating a full disk instead");
        // the test agent's transcripts live off the state disk, as Claude Code's do (~/.claude),
        // in the project directory, which its sandbox may write
        ns.backendsYaml("""
                backends:
                  quick:
                    extends: testagent
                    args: [--work-ms, "1000"]
                    fresh_args: [--session-id, "{CONVERSATION}", --transcript-dir, "{CWD}/.transcripts"]
                    resume_args: [--resume, "{CONVERSATION}", --transcript-dir, "{CWD}/.transcripts"]
                """);
        daemon = ns.fgstart();
        a = new Agents(ns.socket());
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        ns.close();
        if (mounted && run("umount", state.toString()) != null) run("umount", "-l", state.toString());
    }

    /** Runs a command; null when it succeeded, else what it said. */
    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError(String.join(" ", cmd) + " hung");
        return p.exitValue() == 0 ? null : out.isBlank() ? "exit " + p.exitValue() : out;
    }

    private Path filler() {
        return state.resolve("filler");
    }

    /** Fills the state directory's file system to the last block (or, simulated, breaks the queue). */
    private void fillDisk(String id) throws IOException {
        if (!mounted) {
            Path q = sessionDir(ns, id).resolve("queue");
            Files.move(q, q.resolveSibling("queue.away"));
            Files.writeString(q, "not a directory");
            return;
        }
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler())) {
            while (true) out.write(block);
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) throw e;
        }
    }

    private void freeDisk(String id) throws IOException {
        if (!mounted) {
            Path q = sessionDir(ns, id).resolve("queue");
            Files.delete(q);
            Files.move(q.resolveSibling("queue.away"), q);
            return;
        }
        Files.delete(filler());
    }

    @Test
    void aPromptThatCannotBeStoredFailsItsWriteAndNothingAcknowledgedIsLost() throws Exception {
        Path project = Files.createDirectories(tmp.resolve("project"));
        String id = a.create("quick " + project + " alias=full");
        a.awaitState(id, "idle");
        a.write(id + "/in", "a\n");
        a.awaitState(id, "running");
        a.write(id + "/in", "b\n");
        a.write(id + "/in", "c\n");
        assertEquals("2", info(a, id, "queued"));
        // the running prompt's file leaves the disk once its turn is seen to start (its hook): wait
        // for that, or its removal would free room on the full disk for the prompt that must not fit
        Path queue = sessionDir(ns, id).resolve("queue");
        await("only the two queued prompts on disk", () -> {
            try (var files = Files.list(queue)) {
                return files.filter(f -> f.toString().endsWith(".prompt")).count() == 2;
            }
        }, () -> a.read(id + "/info"));

        try (Freezer frozen = new Freezer("anvillm-diskfull")) {
            // the backend holds still (no hook events) while the disk is full
            frozen.freeze(pid(a, id));
            fillDisk(id);

            RerrorException e = assertThrows(RerrorException.class, () -> a.write(id + "/in", "d\n"));
            String reason = mounted ? "No space left on device" : "";
            assertTrue(e.ename().startsWith("session " + id + ": prompt not stored: " + reason), e.ename());
            assertTrue(e.ename().endsWith("; free disk space and write it again"), e.ename());
            assertTrue(e.ename().length() < 128, e.ename());
            if (mounted) {
                RerrorException c = assertThrows(RerrorException.class, () -> a.write(id + "/context", "be brief\n"));
                assertEquals("session " + id + ": context not stored: No space left on device; free disk space and write it again", c.ename());
                assertEquals("", a.read(id + "/context"));
                RerrorException n = assertThrows(RerrorException.class, () -> a.create("quick " + project));
                assertTrue(n.ename().startsWith("cannot record the session: "), n.ename());
            }
            // the daemon is up and serving
            assertTrue(daemon.isAlive(), ns.stderrOf(daemon));
            assertEquals(id + "\tfull\trunning\t" + pid(a, id) + "\t" + project + "\n", a.read("list"));
            assertEquals("2", info(a, id, "queued"));

            freeDisk(id);
            frozen.thaw();
        }

        // every acknowledged prompt answered once, in order; the refused one never ran
        assertEquals(expectedReply("c\n", 3) + "\n", reply(a, id), a.read(id + "/info") + a.logSoFar(id));
        assertEquals(expectedReply("a\n", 1) + "\n\n" + expectedReply("b\n", 2) + "\n\n" + expectedReply("c\n", 3) + "\n\n", a.read(id + "/out"));
        assertFalse(a.logSoFar(id).contains("USER: d"));
        // and with space again, it all works
        a.write(id + "/context", "be brief\n");
        a.write(id + "/in", "e\n");
        assertEquals(expectedReply("be brief\n\n\ne\n", 4) + "\n", reply(a, id));
        assertTrue(daemon.isAlive());
    }
}
