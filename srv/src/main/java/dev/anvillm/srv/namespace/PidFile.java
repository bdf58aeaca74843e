package dev.anvillm.srv.namespace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * The pid file, locked (fcntl) for the life of the daemon that wrote it. The kernel drops the lock
 * when that process dies however it dies, so a daemon that can take the lock knows every other
 * daemon of the namespace is gone and whatever the pid file and socket say is stale.
 */
public final class PidFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private long written = -1;

    private PidFile(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock on {@code path} (creating it 0600), or returns null when a live daemon holds it. */
    static PidFile lock(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                return null;
            }
            Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            return new PidFile(path, ch, l);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Replaces the content with {@code pid}, durably. */
    void write(long pid) throws IOException {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(true);
        written = pid;
    }

    /** The pid recorded in {@code path}, if the file exists and holds one. */
    public static OptionalLong read(Path path) {
        try {
            String s = Files.readString(path, StandardCharsets.US_ASCII).trim();
            return s.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Removes the file if it still names this daemon, then drops the lock. */
    @Override
    public void close() throws IOException {
        try {
            if (written >= 0 && read(path).equals(OptionalLong.of(written))) Files.deleteIfExists(path);
        } finally {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
