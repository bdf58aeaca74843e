package dev.anvillm.ninep.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class NamespaceTest {

    @Test
    void namespaceVariableWinsOverUserAndDisplay() throws Exception {
        Namespace ns = Namespace.resolve(Map.of("NAMESPACE", "/run/ns", "USER", "alice", "DISPLAY", ":3"));
        assertEquals(Path.of("/run/ns"), ns.dir());
        assertFalse(ns.fromDisplay());
    }

    @Test
    void withoutNamespaceItIsTmpNsUserDisplay() throws Exception {
        Namespace ns = Namespace.resolve(Map.of("USER", "alice", "DISPLAY", ":1"));
        assertEquals(Path.of("/tmp/ns.alice.:1"), ns.dir());
        assertTrue(ns.fromDisplay());
    }

    @Test
    void displayDefaultsToColonZero() throws Exception {
        assertEquals(Path.of("/tmp/ns.alice.:0"), Namespace.resolve(Map.of("USER", "alice")).dir());
        assertEquals(Path.of("/tmp/ns.alice.:0"), Namespace.resolve(Map.of("USER", "alice", "DISPLAY", "")).dir());
    }

    @Test
    void emptyNamespaceVariableCountsAsUnset() throws Exception {
        assertEquals(Path.of("/tmp/ns.bob.:0"), Namespace.resolve(Map.of("NAMESPACE", "", "USER", "bob")).dir());
    }

    @Test
    void aTrailingScreenZeroIsDropped() throws Exception {
        assertEquals(Path.of("/tmp/ns.alice.:0"), Namespace.resolve(Map.of("USER", "alice", "DISPLAY", ":0.0")).dir());
        assertEquals(Path.of("/tmp/ns.alice.localhost:10"),
                Namespace.resolve(Map.of("USER", "alice", "DISPLAY", "localhost:10.0")).dir());
    }

    @Test
    void otherScreensAreKept() throws Exception {
        assertEquals(Path.of("/tmp/ns.alice.:0.1"), Namespace.resolve(Map.of("USER", "alice", "DISPLAY", ":0.1")).dir());
    }

    @Test
    void slashesInDisplayBecomeUnderscores() throws Exception {
        Namespace ns = Namespace.resolve(Map.of("USER", "alice",
                "DISPLAY", "/private/tmp/com.apple.launchd.x/org.xquartz:0"));
        assertEquals(Path.of("/tmp/ns.alice._private_tmp_com.apple.launchd.x_org.xquartz:0"), ns.dir());
    }

    @Test
    void withNeitherNamespaceNorUserThereIsNoNameSpace() {
        NamespaceException e = assertThrows(NamespaceException.class, () -> Namespace.resolve(Map.of("DISPLAY", ":0")));
        assertTrue(e.getMessage().startsWith("no name space"), e.getMessage());
    }

    @Test
    void theFirstPathElementNamesTheSocket() {
        Namespace ns = new Namespace(Path.of("/tmp/ns.alice.:0"), true);
        assertEquals(new Namespace.Target(Path.of("/tmp/ns.alice.:0/agent"), "list"), ns.locate("agent/list"));
        assertEquals(new Namespace.Target(Path.of("/tmp/ns.alice.:0/agent"), "a1b2c3d4/in"), ns.locate("agent/a1b2c3d4/in"));
        assertEquals(new Namespace.Target(Path.of("/tmp/ns.alice.:0/agent"), ""), ns.locate("agent"));
        assertEquals("unix!/tmp/ns.alice.:0/agent", ns.locate("agent/list").address());
    }

    @Test
    void addressesAreUnixBangPathOrAPlainPath() {
        assertEquals(Path.of("/tmp/s"), Namespace.parseAddress("unix!/tmp/s"));
        assertEquals(Path.of("/tmp/s"), Namespace.parseAddress("/tmp/s"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Namespace.parseAddress("tcp!localhost!564"));
        assertTrue(e.getMessage().contains("unix!"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Namespace.parseAddress("unix!"));
    }

    @Test
    void aPrivateDirectoryOfOursPasses(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("ns"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        new Namespace(dir, true).requirePrivate();
    }

    @Test
    void aDirectoryOthersCanEnterIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("ns"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        NamespaceException e = assertThrows(NamespaceException.class, () -> new Namespace(dir, true).requirePrivate());
        assertTrue(e.getMessage().contains("mode 0755"), e.getMessage());
        assertTrue(e.getMessage().contains("must be mode 0700"), e.getMessage());
    }

    @Test
    void aDirectoryOfAnotherUserIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("ns"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        int mine = Namespace.currentUid();
        NamespaceException e = assertThrows(NamespaceException.class, () -> Namespace.requirePrivate(dir, mine + 1));
        assertTrue(e.getMessage().contains("owner uid " + mine), e.getMessage());
    }

    @Test
    void aMissingDirectoryIsCreatedPrivate(@TempDir Path tmp) throws IOException {
        Namespace ns = new Namespace(tmp.resolve("ns.new"), true).createIfMissing();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ns.dir())));
        ns.requirePrivate();
    }
}
