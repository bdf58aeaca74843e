package dev.anvillm.srv.supervise;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessesTest {
    /** A helper that has started a process of its own (as an AOT training run's JVM starts its assembly JVM). */
    @Test
    void aHelperCutShortIsKilledWithWhatItStarted() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "sleep 300 & wait").start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (p.descendants().findAny().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the helper's child did not start");
            Thread.sleep(10); // polling a condition, with a deadline
        }
        List<ProcessHandle> children = p.descendants().toList();

        assertFalse(Processes.awaitOrEnd(p, Duration.ofMillis(50)), "the helper was still running at the timeout");

        for (ProcessHandle c : children) {
            c.onExit().completeOnTimeout(c, 10, TimeUnit.SECONDS).get();
            assertFalse(c.isAlive(), "what the helper started outlived it: " + c.info().commandLine().orElse("?"));
        }
        p.onExit().get(10, TimeUnit.SECONDS);
    }
}
