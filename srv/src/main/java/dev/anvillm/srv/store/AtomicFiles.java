package dev.anvillm.srv.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Set;

/** Durable writes: a temp file beside the target, fsync, rename over it, fsync the directory. */
public final class AtomicFiles {
    private static final System.Logger LOG = System.getLogger("anvilsrv");

    private AtomicFiles() {}

    public static void write(Path target, byte[] content) throws IOException {
        write(target, content, null);
    }

    /** As {@link #write(Path, byte[])}, the file having {@code mode} from the start (e.g. rw-------). */
    public static void write(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        write(target, content, mode, true);
    }

    /**
     * As {@link #write(Path, byte[])} but the directory is not synced after the rename: for a file
     * rewritten often whose previous version, after a machine crash, is also fine (how far the hooks
     * were read: a replay from an earlier mark is harmless). A daemon killed at any moment still
     * finds the old file or the new one, whole.
     */
    public static void rewrite(Path target, byte[] content) throws IOException {
        write(target, content, null, false);
    }

    private static void write(Path target, byte[] content, Set<PosixFilePermission> mode, boolean syncDir) throws IOException {
        Path dir = target.getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
        Files.deleteIfExists(tmp);
        FileAttribute<?>[] attrs = mode == null ? new FileAttribute<?>[0] : new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)};
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attrs)) {
            var buf = java.nio.ByteBuffer.wrap(content);
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        if (syncDir) syncDir(dir);
    }

    public static void syncDir(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems refuse to open directories; the rename is still atomic there
        }
    }

    /**
     * Appends, without an fsync (logs and replies: the tail of a file is never rewritten). A daemon
     * killed at any moment loses nothing of what was appended (it is in the kernel's page cache);
     * a machine crash may lose the last entries, which are records, not promises. What is
     * promised, an accepted prompt, is written by {@link #write} (fsynced) before it is
     * acknowledged. An fsync per entry cost four of them per prompt on the prompt → reply path.
     */
    public static void append(Path target, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
            var buf = java.nio.ByteBuffer.wrap(content);
            while (buf.hasRemaining()) ch.write(buf);
        }
    }

    /** Moves a file that cannot be read aside (never deletes it) and says so in the log. */
    public static Path setAside(Path broken, String why) {
        Path aside = broken.resolveSibling(broken.getFileName() + ".corrupt-" + Instant.now().toEpochMilli());
        try {
            Files.move(broken, aside);
            LOG.log(System.Logger.Level.WARNING, "{0} is unreadable ({1}); set aside as {2}", broken, why, aside.getFileName());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "{0} is unreadable ({1}) and could not be set aside: {2}", broken, why, e.getMessage());
        }
        return aside;
    }
}
