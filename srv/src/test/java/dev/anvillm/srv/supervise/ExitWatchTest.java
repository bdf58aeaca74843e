package dev.anvillm.srv.supervise;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The exit watch tells of exits, and only of exits: a process that runs execve from a thread
 * other than its first (a spare launcher's JVM starting its backend) lives on under the same pid,
 * though its first thread's end wakes the pidfd.
 */
class ExitWatchTest {
    @Test
    void anExecFromAnotherThreadIsNotAnExitAndTheRealExitIsNoticed() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int rounds = 10;
        try (ExitWatch watch = new ExitWatch()) {
            for (int i = 0; i < rounds; i++) {
                Process p = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        ExecFromAThread.class.getName(), "/bin/sleep", "600")).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                try {
                    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
                    assertEquals("ready", out.readLine());
                    CountDownLatch exited = new CountDownLatch(1);
                    watch.watch((int) p.pid(), exited::countDown);
                    p.getOutputStream().write('\n');
                    p.getOutputStream().flush();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!ProcessHandle.of(p.pid()).flatMap(h -> h.info().command()).orElse("").endsWith("sleep")) {
                        assertTrue(System.nanoTime() < deadline, "the child never ran sleep");
                        assertTrue(p.isAlive(), "the child died before its exec");
                        Thread.sleep(10); // polling /proc for the exec, with a deadline
                    }
                    // the exec is done: a notice by now, or within the watch's poll, would be a false one
                    assertFalse(exited.await(300, TimeUnit.MILLISECONDS), "round " + i + ": the exec was taken for an exit");
                    assertTrue(p.isAlive());
                    p.destroy();
                    assertTrue(exited.await(10, TimeUnit.SECONDS), "round " + i + ": the real exit was not noticed");
                } finally {
                    p.destroyForcibly();
                    p.waitFor();
                }
            }
        }
    }
}
