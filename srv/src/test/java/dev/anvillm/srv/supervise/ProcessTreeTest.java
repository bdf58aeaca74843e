package dev.anvillm.srv.supervise;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** Ending a backend's processes: all of them, gracefully where that works, without waiting on a signal that is ignored. */
class ProcessTreeTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private final List<Process> started = new ArrayList<>();

    /** {@code script} as the leader of a session of its own, as a tmux pane's process is. */
    private Process leader(String script) throws IOException {
        Process p = new ProcessBuilder("setsid", "sh", "-c", script).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        return p;
    }

    @AfterEach
    void killLeftovers() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (long pid : sleeps()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** Pids of the running {@code sleep} processes these tests start (their durations are unusual on purpose). */
    private static List<Long> sleeps() {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : all) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmd.matches("sleep 8640[0-9] ")) out.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    private static void awaitRunning(int count) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (sleeps().size() < count) {
            if (System.nanoTime() > deadline) throw new AssertionError("the test's processes did not start: " + sleeps());
            Thread.sleep(20); // polling a condition, with a deadline
        }
    }

    @Test
    void aShellThatIgnoresTermEndsOnTheHangupWithItsChildAndWhatDetachedFromIt() throws Exception {
        // as an interactive shell does: TERM ignored; one child in the foreground, one double-forked away (its parent is init now)
        Process sh = leader("trap '' TERM; (sleep 86401 &); sleep 86402; :");
        awaitRunning(2);
        assertTrue(ProcessTree.ignores(sh.pid(), ProcessTree.SIGTERM));

        String how = ProcessTree.end((int) sh.pid(), null);

        assertEquals("ended on SIGHUP (it ignores SIGTERM)", how);
        assertFalse(Processes.running(sh.pid()));
        assertEquals(List.of(), sleeps(), "the shell's children, the detached one too");
    }

    @Test
    void aProcessThatHandlesTermIsGivenTheChanceToFinish() throws Exception {
        // an agent saving its state on TERM: it ends on its own, it is not killed
        Path done = Files.createTempFile("processtree", ".done");
        Files.delete(done);
        Process agent = leader("trap 'touch " + done + "; exit 0' TERM; sleep 86403 & wait");
        awaitRunning(1);

        String how = ProcessTree.end((int) agent.pid(), null);

        assertEquals("ended on SIGTERM", how);
        assertTrue(Files.exists(done), "its TERM handler ran");
        assertEquals(List.of(), sleeps());
        Files.deleteIfExists(done);
    }

    @Test
    void theInterruptComesFirstAndWhatEndsOnItIsNotSignalled() throws Exception {
        Process agent = leader("exec sleep 86404");
        awaitRunning(1);
        AtomicBoolean interrupted = new AtomicBoolean();

        String how = ProcessTree.end((int) agent.pid(), () -> {
            interrupted.set(true);
            agent.destroy(); // as a CLI that exits on its interrupt key
        });

        assertTrue(interrupted.get());
        assertEquals("ended on the interrupt key", how);
    }

    @Test
    void whatIgnoresTermAndHangupIsKilled() throws Exception {
        Process stubborn = leader("trap '' TERM HUP; sleep 86405; :");
        awaitRunning(1);

        String how = ProcessTree.end((int) stubborn.pid(), null);

        assertTrue(how.startsWith("ended on SIGKILL"), how);
        assertFalse(Processes.running(stubborn.pid()));
        assertEquals(List.of(), sleeps());
    }

    @Test
    void aSessionItDoesNotLeadIsNotItsToEnd() throws Exception {
        // not a session leader: the processes of its session (this test's JVM among them) are someone else's
        Process child = new ProcessBuilder("sleep", "86406").start();
        started.add(child);
        List<ProcessHandle> tree = ProcessTree.of((int) child.pid());
        assertEquals(List.of(child.pid()), tree.stream().map(ProcessHandle::pid).toList());
    }
}
