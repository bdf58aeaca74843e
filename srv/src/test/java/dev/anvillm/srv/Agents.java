package dev.anvillm.srv;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.OpenMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/** A user driving the tree through the socket, as `9p read|write` would: one helper per gesture. */
public final class Agents implements AutoCloseable {
    public static final Duration DEADLINE = Duration.ofSeconds(60);
    public final NinepClient c;

    public Agents(Path socket) throws IOException {
        c = NinepClient.connect(socket);
    }

    /** `new <args>` on ctl; returns the id read back from the same fid. */
    public String create(String args) throws IOException {
        try (Fid f = c.open("ctl", OpenMode.ORDWR)) {
            byte[] line = ("new " + args + "\n").getBytes(StandardCharsets.UTF_8);
            f.write(0, line, 0, line.length);
            return new String(f.read(0, 100), StandardCharsets.UTF_8).strip();
        }
    }

    public String read(String path) throws IOException {
        return new String(c.readAll(path), StandardCharsets.UTF_8);
    }

    /** Writes {@code text} the way plan9port's `9p write` does: one Twrite per 4 KiB. */
    public void write(String path, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        try (Fid f = c.open(path, OpenMode.OWRITE | OpenMode.OTRUNC)) {
            long off = 0;
            if (b.length == 0) f.write(0, new byte[0], 0, 0);
            for (int i = 0; i < b.length; i += 4096) {
                byte[] chunk = Arrays.copyOfRange(b, i, Math.min(b.length, i + 4096));
                f.write(off, chunk, 0, chunk.length);
                off += chunk.length;
            }
        }
    }

    public String state(String id) throws IOException {
        return read(id + "/state").strip();
    }

    /** Polls `state` until it reads {@code want}; fails with the last state and `info` after the deadline. */
    public void awaitState(String id, String want) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = state(id);
            if (last.equals(want)) return;
            Thread.sleep(20); // polling a condition, with a deadline
        }
        throw new AssertionError("session " + id + " is " + last + ", not " + want + " after " + DEADLINE + "\n" + read(id + "/info") + logSoFar(id));
    }

    /** What the log holds now (a read at its end would wait for more, like tail -f). */
    public String logSoFar(String id) throws IOException {
        try (Fid f = c.open(id + "/log", OpenMode.OREAD)) {
            StringBuilder sb = new StringBuilder();
            long off = 0;
            while (true) {
                byte[] b = f.read(off, 4096);
                sb.append(new String(b, StandardCharsets.UTF_8));
                off += b.length;
                if (b.length < 4096) return sb.toString();
            }
        }
    }

    @Override
    public void close() {
        c.close();
    }
}
