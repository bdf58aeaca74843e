package dev.anvillm.srv.namespace;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class LocationsTest {
    @Test
    void theNamespaceComesFromUserAndDisplayLikePlan9port() {
        assertEquals(Path.of("/tmp/ns.glenda.:0"), Locations.namespaceDir(Map.of("USER", "glenda")));
        assertEquals(Path.of("/tmp/ns.glenda.:1"), Locations.namespaceDir(Map.of("USER", "glenda", "DISPLAY", ":1.0")));
        assertEquals(Path.of("/tmp/ns.glenda.:1.1"), Locations.namespaceDir(Map.of("USER", "glenda", "DISPLAY", ":1.1")));
        assertEquals(Path.of("/tmp/ns.glenda._tmp_launch-x_org.xquartz:0"),
                Locations.namespaceDir(Map.of("USER", "glenda", "DISPLAY", "/tmp/launch-x/org.xquartz:0")));
        assertEquals(Path.of("/srv/ns"), Locations.namespaceDir(Map.of("USER", "glenda", "NAMESPACE", "/srv/ns/")));
    }

    @Test
    void socketAndPidFileLiveInTheNamespace() {
        Locations loc = Locations.from(Map.of("NAMESPACE", "/tmp/x", "HOME", "/home/g"));
        assertEquals(Path.of("/tmp/x/agent"), loc.socket());
        assertEquals(Path.of("/tmp/x/anvilsrv.pid"), loc.pidFile());
    }

    @Test
    void stateAndConfigFollowXdgAndDefaultUnderHome() {
        Locations dflt = Locations.from(Map.of("USER", "root", "HOME", "/home/g"));
        assertEquals(Path.of("/home/g/.local/state/anvillm/tmp_ns.root.:0"), dflt.stateDir());
        assertEquals(Path.of("/home/g/.local/state/anvillm/tmp_ns.root.:0/anvilsrv.log"), dflt.logFile());
        assertEquals(Path.of("/home/g/.config/anvillm"), dflt.configDir());
        assertEquals(Path.of("/home/g"), dflt.home());

        Locations xdg = Locations.from(Map.of("USER", "root", "HOME", "/home/g", "XDG_STATE_HOME", "/s", "XDG_CONFIG_HOME", "/c"));
        assertEquals(Path.of("/s/anvillm/tmp_ns.root.:0"), xdg.stateDir());
        assertEquals(Path.of("/c/anvillm"), xdg.configDir());

        Locations relative = Locations.from(Map.of("USER", "root", "HOME", "/home/g", "XDG_STATE_HOME", "s"));
        assertEquals(Path.of("/home/g/.local/state/anvillm/tmp_ns.root.:0"), relative.stateDir(), "relative XDG values are ignored");
    }

    @Test
    void differentNamespacesNeverShareAStateDir() {
        assertNotEquals(Locations.key(Path.of("/tmp/a_b")), Locations.key(Path.of("/tmp/a/b")));
        assertNotEquals(Locations.key(Path.of("/tmp/a%5Fb")), Locations.key(Path.of("/tmp/a_b")));
        assertEquals("tmp_a%5Fb", Locations.key(Path.of("/tmp/a_b")));
    }
}
