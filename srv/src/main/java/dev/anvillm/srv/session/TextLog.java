package dev.anvillm.srv.session;

import dev.anvillm.srv.store.AtomicFiles;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An append-only text file (a session's out or log) that readers can wait on: a read at the
 * end waits until more is appended or the log is closed (the session was killed: EOF).
 *
 * <p>With a cap, the file is rotated when it passes it: the current file becomes {@code <name>.1}
 * (replacing the one before) and a new one starts. Offsets stay logical — bytes since the log
 * began — so a reader's next offset stays valid across a rotation; a reader that fell behind
 * what is kept on disk continues from the oldest byte still there. {@code <name>.base} records
 * where the current file begins.
 */
public final class TextLog {
    private final Path file;
    private final Path previous;
    private final Path baseFile;
    private final long cap;
    /** Logical offset of the current file's first byte. */
    private long base;
    private long size;
    private boolean closed;
    private final List<Runnable> waiters = new ArrayList<>();

    public TextLog(Path file) throws IOException {
        this(file, 0);
    }

    /** @param cap bytes after which the file is rotated; 0 for never */
    public TextLog(Path file, long cap) throws IOException {
        this.file = file;
        this.cap = cap;
        this.previous = file.resolveSibling(file.getFileName() + ".1");
        this.baseFile = file.resolveSibling(file.getFileName() + ".base");
        this.size = Files.exists(file) ? Files.size(file) : 0;
        try {
            this.base = Files.exists(baseFile) ? Long.parseLong(Files.readString(baseFile).strip()) : 0;
        } catch (NumberFormatException e) {
            AtomicFiles.setAside(baseFile, "not a number");
            this.base = Files.exists(previous) ? Files.size(previous) : 0;
        }
    }

    public void append(String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        List<Runnable> wake;
        synchronized (this) {
            if (closed) return;
            if (cap > 0 && size > 0 && size + b.length > cap) rotate();
            AtomicFiles.append(file, b);
            size += b.length;
            wake = new ArrayList<>(waiters);
            waiters.clear();
        }
        wake.forEach(Runnable::run);
    }

    private void rotate() throws IOException {
        long newBase = base + size;
        AtomicFiles.write(baseFile, Long.toString(newBase).getBytes(StandardCharsets.UTF_8));
        Files.move(file, previous, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        base = newBase;
        size = 0;
    }

    /** The logical offset just past the last byte. */
    public synchronized long size() {
        return base + size;
    }

    public synchronized boolean closed() {
        return closed;
    }

    /** Up to {@code count} bytes at logical {@code offset}; empty at the end. */
    public byte[] read(long offset, int count) throws IOException {
        long b, end;
        synchronized (this) {
            b = base;
            end = base + size;
        }
        if (offset >= end || closed() && !Files.exists(file)) return new byte[0];
        if (offset >= b) return readFile(file, offset - b, (int) Math.min(count, end - offset));
        // before the current file: from the rotated one, or from the oldest byte kept
        long prevSize = Files.exists(previous) ? Files.size(previous) : 0;
        long prevStart = b - prevSize;
        if (offset < prevStart) offset = prevStart;
        if (prevSize == 0) return readFile(file, 0, (int) Math.min(count, end - b));
        return readFile(previous, offset - prevStart, (int) Math.min(count, b - offset));
    }

    private static byte[] readFile(Path f, long at, int n) throws IOException {
        byte[] out = new byte[n];
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
            r.seek(at);
            r.readFully(out);
        }
        return out;
    }

    /**
     * Runs {@code wake} once there is something at {@code offset} or the log is closed — now if
     * so already. Returns an action that forgets the waiter (for a flushed read).
     */
    public Runnable await(long offset, Runnable wake) {
        synchronized (this) {
            if (offset >= base + size && !closed) {
                waiters.add(wake);
                return () -> {
                    synchronized (this) {
                        waiters.remove(wake);
                    }
                };
            }
        }
        wake.run();
        return () -> {};
    }

    public void close() {
        List<Runnable> wake;
        synchronized (this) {
            closed = true;
            wake = new ArrayList<>(waiters);
            waiters.clear();
        }
        wake.forEach(Runnable::run);
    }
}
