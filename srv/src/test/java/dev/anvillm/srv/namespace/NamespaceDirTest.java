package dev.anvillm.srv.namespace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.*;

class NamespaceDirTest {
    @TempDir Path tmp;

    private static String perms(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void aMissingDirIsCreated0700() throws Exception {
        Path ns = tmp.resolve("deeper/ns");
        NamespaceDir.prepare(ns);
        assertEquals("rwx------", perms(ns));
        NamespaceDir.prepare(ns); // and accepted the next time
    }

    @Test
    void groupOrOtherBitsAreRefusedWithTheFix() throws Exception {
        Path ns = Files.createDirectory(tmp.resolve("ns"));
        Files.setPosixFilePermissions(ns, PosixFilePermissions.fromString("rwx-----x"));
        Failure f = assertThrows(Failure.class, () -> NamespaceDir.prepare(ns));
        assertEquals("anvilsrv: namespace directory " + ns + " has mode 0701; it must be 0700 (chmod 700 " + ns + ")", f.getMessage());
    }

    @Test
    void aSymlinkOrAFileIsRefused() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("real"));
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertTrue(assertThrows(Failure.class, () -> NamespaceDir.prepare(link)).getMessage().contains("is a symbolic link"));
        Path file = Files.writeString(tmp.resolve("file"), "");
        assertTrue(assertThrows(Failure.class, () -> NamespaceDir.prepare(file)).getMessage().contains("is not a directory"));
    }
}
