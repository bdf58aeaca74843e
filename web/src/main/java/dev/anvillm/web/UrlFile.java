package dev.anvillm.web;

import dev.anvillm.ninep.client.Namespace;
import dev.anvillm.ninep.client.NamespaceException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The running instance's URL (with its token), kept for {@code anvilweb url} in the name space
 * directory, next to the daemon's socket: a directory only its owner may enter (mode 0700,
 * checked as plan9port checks it), and the file itself mode 0600. Line 1 the URL, line 2 the pid.
 */
final class UrlFile {
    static final String NAME = "anvilweb.url";

    private UrlFile() {}

    static Path path(Namespace ns) {
        return ns.dir().resolve(NAME);
    }

    /** Writes it (created 0600, then renamed into place); the directory is made 0700 when missing. */
    static Path write(Namespace ns, String url) throws IOException {
        ns.createIfMissing().requirePrivate();
        Path target = path(ns);
        Path tmp = Files.createTempFile(ns.dir(), ".anvilweb", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, url + "\n" + ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    /** The URL of the instance that still runs, or an exception saying there is none. */
    static String read(Namespace ns) throws IOException {
        if (!Files.exists(ns.dir())) throw new IOException("no anvilweb running for name space " + ns.dir() + "; start one with: anvilweb");
        ns.requirePrivate();
        List<String> lines;
        try {
            lines = Files.readAllLines(path(ns), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("no anvilweb running for name space " + ns.dir() + "; start one with: anvilweb");
        }
        long pid = lines.size() < 2 ? -1 : parse(lines.get(1));
        if (lines.isEmpty() || pid < 0 || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
            throw new IOException("anvilweb is no longer running (pid " + pid + " in " + path(ns) + "); start one with: anvilweb");
        }
        return lines.getFirst();
    }

    /** Removes the file when it still names this process's URL (a later instance may own it now). */
    static void removeIfOurs(Namespace ns, String url) {
        try {
            List<String> lines = Files.readAllLines(path(ns), StandardCharsets.UTF_8);
            if (!lines.isEmpty() && lines.getFirst().equals(url)) Files.deleteIfExists(path(ns));
        } catch (IOException e) {
            // gone already
        }
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
