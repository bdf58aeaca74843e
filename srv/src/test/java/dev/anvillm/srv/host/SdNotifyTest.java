package dev.anvillm.srv.host;

import dev.anvillm.srv.TestNamespace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

/** The readiness protocol of the systemd units (Type=notify), against a NOTIFY_SOCKET the test owns. */
class SdNotifyTest {
    @Test
    void fgstartSendsReadyOnceItsSocketAnswersAndStoppingAsItExits(@TempDir Path dir) throws Throwable {
        try (TestNamespace ns = new TestNamespace(dir); NotifySocket systemd = new NotifySocket(dir.resolve("notify").toString())) {
            ns.env().put("NOTIFY_SOCKET", systemd.address());
            Process daemon = ns.spawn("fgstart");
            String ready = systemd.receive(TestNamespace.DEADLINE);
            assertNotNull(ready, "no READY=1 within " + TestNamespace.DEADLINE + ": " + ns.stderrOf(daemon));
            // the first word it sends says ready, and by then the socket answers
            assertTrue(ns.answers(), "READY=1 before the socket answers");
            assertTrue(ready.startsWith("READY=1\n"), ready);
            assertTrue(ready.contains("\nMAINPID=" + daemon.pid() + "\n"), ready);
            assertTrue(ready.contains("\nSTATUS=listening on " + ns.socket()), ready);

            daemon.destroy(); // SIGTERM, as systemctl stop sends it
            assertEquals("STOPPING=1", systemd.receive(TestNamespace.DEADLINE));
            TestNamespace.awaitExit(daemon);
            assertFalse(ns.stderrOf(daemon).contains("cannot notify"), ns.stderrOf(daemon));
        }
    }

    @Test
    void anAbstractSocketNameIsReached() throws Throwable {
        String name = "@anvillm-test-" + UUID.randomUUID();
        try (NotifySocket systemd = new NotifySocket(name)) {
            assertNull(SdNotify.send(name, "READY=1"));
            assertEquals("READY=1", systemd.receive(Duration.ofSeconds(10)));
        }
    }

    @Test
    void withoutNotifySocketNothingIsSentAndABadOneSaysWhy(@TempDir Path dir) {
        assertNull(SdNotify.send(null, "READY=1"));
        assertNull(SdNotify.send("", "READY=1"));
        assertTrue(SdNotify.send("relative/path", "READY=1").contains("neither a path nor @name"));
        assertTrue(SdNotify.send("/" + "x".repeat(200), "READY=1").contains("too long"));
        // nobody listening: a reason, not an exception
        assertTrue(SdNotify.send(dir.resolve("nobody").toString(), "READY=1").startsWith("sendto "));
    }
}
