package dev.anvillm.srv.supervise;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.*;

/** /proc/net/tcp{,6} addresses as the kernel prints them, and the listeners of a real process. */
class ListenersTest {
    @Test
    void addressesReadAsPeopleWriteThemWithTheExposedOnesMarked() {
        assertEquals(new Resources.Port("127.0.0.1", 8080, false), Listeners.port("0100007F:1F90"));
        assertEquals(new Resources.Port("0.0.0.0", 3000, true), Listeners.port("00000000:0BB8"));
        assertEquals(new Resources.Port("[::1]", 5173, false), Listeners.port("00000000000000000000000001000000:1435"));
        assertEquals(new Resources.Port("[::]", 22, true), Listeners.port("00000000000000000000000000000000:0016"));
        // a v4-mapped address is the IPv4 one
        assertEquals(new Resources.Port("127.0.0.1", 80, false), Listeners.port("0000000000000000FFFF00000100007F:0050"));
        assertEquals(new Resources.Port("[fe80::1]", 443, true), Listeners.port("000080FE000000000000000001000000:01BB"));
        assertEquals("0.0.0.0:3000!", Listeners.port("00000000:0BB8").text());
        assertNull(Listeners.port("zz"));
    }

    @Test
    void aSocketThisProcessListensOnIsFoundByItsInode() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            boolean found = Listeners.of(ProcessHandle.current().pid()).values().stream()
                    .anyMatch(p -> p.port() == s.getLocalPort() && !p.exposed());
            assertTrue(found, "port " + s.getLocalPort() + " in " + Listeners.of(ProcessHandle.current().pid()));
        }
    }
}
