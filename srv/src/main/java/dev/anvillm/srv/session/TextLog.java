package dev.anvillm.srv.session;

import dev.anvillm.srv.store.AtomicFiles;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An append-only text file (a session's out or log) that readers can wait on: a read at the
 * end waits until more is appended or the log is closed (the session was killed: EOF).
 */
public final class TextLog {
    private final Path file;
    private long size;
    private boolean closed;
    private final List<Runnable> waiters = new ArrayList<>();

    public TextLog(Path file) throws IOException {
        this.file = file;
        this.size = Files.exists(file) ? Files.size(file) : 0;
    }

    public void append(String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        List<Runnable> wake;
        synchronized (this) {
            if (closed) return;
            AtomicFiles.append(file, b);
            size += b.length;
            wake = new ArrayList<>(waiters);
            waiters.clear();
        }
        wake.forEach(Runnable::run);
    }

    public synchronized long size() {
        return size;
    }

    public synchronized boolean closed() {
        return closed;
    }

    /** Up to {@code count} bytes at {@code offset}; empty at the end. */
    public byte[] read(long offset, int count) throws IOException {
        long end;
        synchronized (this) {
            end = size;
        }
        if (offset >= end || closed() && !Files.exists(file)) return new byte[0];
        int n = (int) Math.min(count, end - offset);
        byte[] out = new byte[n];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(offset);
            f.readFully(out);
        }
        return out;
    }

    /**
     * Runs {@code wake} once there is something at {@code offset} or the log is closed — now if
     * so already. Returns an action that forgets the waiter (for a flushed read).
     */
    public Runnable await(long offset, Runnable wake) {
        synchronized (this) {
            if (offset >= size && !closed) {
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
