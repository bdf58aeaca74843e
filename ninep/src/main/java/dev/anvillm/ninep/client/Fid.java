package dev.anvillm.ninep.client;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.DecodeException;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.Message.*;
import dev.anvillm.ninep.proto.Qid;
import dev.anvillm.ninep.proto.Stat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fid of a {@link NinepClient}: a file on the server, walked to, maybe opened. Like plan9port's
 * CFid it keeps an offset that {@link #read(int)} and {@link #write(byte[])} use and advance;
 * the methods taking an offset leave it alone. Each operation has an async form returning a
 * future and a blocking form.
 */
public final class Fid implements AutoCloseable {
    private final NinepClient client;
    private final int num;
    private volatile Qid qid;
    private volatile int iounit;
    private volatile int mode = -1;
    private final AtomicLong offset = new AtomicLong();
    private final AtomicBoolean clunked = new AtomicBoolean();

    Fid(NinepClient client, int num, Qid qid) {
        this.client = client;
        this.num = num;
        this.qid = qid;
    }

    /** The fid number on the wire. */
    public int num() { return num; }

    /** The qid of the file, from the walk, attach or open. */
    public Qid qid() { return qid; }

    /** The iounit the open returned (0: none given). The client itself ignores it, like plan9port. */
    public int iounit() { return iounit; }

    public boolean isOpen() { return mode >= 0; }

    /** The offset {@link #read(int)} and {@link #write(byte[])} use next. */
    public long offset() { return offset.get(); }

    public void seek(long offset) { this.offset.set(offset); }

    public NinepClient client() { return client; }

    // ---- walk -------------------------------------------------------------------------------

    /**
     * Walks to {@code path} (elements separated by '/'; empty and "." elements skipped) onto a
     * new fid, this one untouched. An empty path clones. More than 16 names take several Twalks,
     * the later ones with newfid == fid, exactly like plan9port. Fails with
     * {@link NotFoundException} when the server walks only part of the way.
     */
    public CompletableFuture<Fid> walkAsync(String path) {
        Objects.requireNonNull(path, "path");
        List<List<String>> groups = walkGroups(path);
        int newfid = client.allocFid();
        CompletableFuture<Fid> result = new CompletableFuture<>();
        walkStep(groups, 0, newfid, path, qid, result);
        return result;
    }

    public Fid walk(String path) throws IOException {
        return NinepClient.await(walkAsync(path));
    }

    private void walkStep(List<List<String>> groups, int i, int newfid, String path, Qid at,
                          CompletableFuture<Fid> result) {
        List<String> names = groups.get(i);
        CompletableFuture<List<Qid>> step = client.call(
                new Twalk(0, i == 0 ? num : newfid, newfid, names), (Rwalk r) -> r.qids(), false);
        step.whenComplete((qids, t) -> {
            if (t == null && qids.size() == names.size()) {
                Qid reached = qids.isEmpty() ? at : qids.getLast();
                if (i + 1 < groups.size()) {
                    walkStep(groups, i + 1, newfid, path, reached, result);
                } else {
                    Fid fid = new Fid(client, newfid, reached);
                    // A caller who gave up on the walk no longer holds the new fid: release it.
                    if (!result.complete(fid)) fid.clunkQuietlyAsync();
                }
                return;
            }
            Throwable err = t != null ? NinepClient.unwrap(t) : new NotFoundException(path);
            if (i == 0) {
                client.releaseFid(newfid); // a failed first walk creates no fid
                result.completeExceptionally(err);
            } else {
                new Fid(client, newfid, at).clunkAsync().whenComplete((v, ignored) -> result.completeExceptionally(err));
            }
        });
    }

    /** plan9port's _fswalk grouping: up to 16 names per Twalk, at least one Twalk. */
    static List<List<String>> walkGroups(String path) {
        List<List<String>> groups = new ArrayList<>();
        String rest = path;
        do {
            List<String> names = new ArrayList<>();
            while (rest != null && !rest.isEmpty() && names.size() < Message.MAXWELEM) {
                int slash = rest.indexOf('/');
                String elem;
                if (slash < 0) {
                    elem = rest;
                    rest = null;
                } else {
                    elem = rest.substring(0, slash);
                    rest = rest.substring(slash + 1);
                }
                if (elem.isEmpty() || elem.equals(".")) continue;
                names.add(elem);
            }
            groups.add(names);
        } while (rest != null && !rest.isEmpty());
        return groups;
    }

    // ---- open, stat ------------------------------------------------------------------------

    /** Topen with {@code mode} (see {@link dev.anvillm.ninep.proto.OpenMode}); completes with this fid. */
    public CompletableFuture<Fid> openAsync(int mode) {
        return client.call(new Topen(0, num, mode), (Ropen r) -> {
            this.qid = r.qid();
            this.iounit = r.iounit();
            this.mode = mode;
            return this;
        }, true);
    }

    public Fid open(int mode) throws IOException {
        return NinepClient.await(openAsync(mode));
    }

    public CompletableFuture<Stat> statAsync() {
        return client.call(new Tstat(0, num), (Rstat r) -> r.stat(), true);
    }

    public Stat stat() throws IOException {
        return NinepClient.await(statAsync());
    }

    // ---- read -------------------------------------------------------------------------------

    /** One Tread at {@code offset} for up to {@code count} bytes (at most msize-24). */
    public CompletableFuture<byte[]> readAsync(long offset, int count) {
        if (count < 0) throw new IllegalArgumentException("negative count " + count);
        int n = Math.min(count, client.msize() - Codec.IOHDRSZ);
        return client.call(new Tread(0, num, offset, n), (Rread r) -> {
            if (r.data().length > n) {
                throw new CompletionException(new NinepException(
                        "server returned " + r.data().length + " bytes for a read of " + n));
            }
            return r.data();
        }, true);
    }

    public byte[] read(long offset, int count) throws IOException {
        return NinepClient.await(readAsync(offset, count));
    }

    /** Reads at this fid's offset and advances it by what came back (an empty array at EOF). */
    public byte[] read(int count) throws IOException {
        byte[] data = read(offset.get(), count);
        offset.addAndGet(data.length);
        return data;
    }

    /** Reads from this fid's offset until a read returns no data. */
    public byte[] readToEnd() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] data;
        while ((data = read(client.msize() - Codec.IOHDRSZ)).length > 0) all.write(data, 0, data.length);
        return all.toByteArray();
    }

    /** Reads a directory from this fid's offset to its end (reads of msize-24 bytes) and decodes it. */
    public List<Stat> readDir() throws IOException {
        byte[] all = readToEnd();
        try {
            return Codec.decodeStats(all);
        } catch (DecodeException e) {
            throw new NinepException("malformed directory contents: " + e.getMessage());
        }
    }

    // ---- write ------------------------------------------------------------------------------

    /**
     * Writes {@code data} at {@code offset} in Twrites of at most msize-24 bytes, each at the
     * offset the previous one reached; no data still sends one empty Twrite. Completes with the
     * byte count the server took, which is short only when it took 0 bytes of a piece.
     */
    public CompletableFuture<Integer> writeAsync(long offset, byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        CompletableFuture<Integer> result = new CompletableFuture<>();
        AtomicReference<CompletableFuture<Integer>> current = new AtomicReference<>();
        result.whenComplete((v, t) -> {
            CompletableFuture<Integer> c = current.get();
            if (result.isCancelled() && c != null) c.cancel(false);
        });
        writeChunk(offset, data, off, len, 0, result, current);
        return result;
    }

    public CompletableFuture<Integer> writeAsync(long offset, byte[] data) {
        return writeAsync(offset, data, 0, data.length);
    }

    private void writeChunk(long at, byte[] data, int off, int len, int done,
                            CompletableFuture<Integer> result, AtomicReference<CompletableFuture<Integer>> current) {
        int want = Math.min(len - done, client.msize() - Codec.IOHDRSZ);
        byte[] piece = Arrays.copyOfRange(data, off + done, off + done + want);
        CompletableFuture<Integer> f = client.call(new Twrite(0, num, at, piece), (Rwrite r) -> r.count(), true);
        current.set(f);
        if (result.isCancelled()) f.cancel(false);
        f.whenComplete((got, t) -> {
            if (t != null) {
                result.completeExceptionally(NinepClient.unwrap(t));
            } else if (Integer.compareUnsigned(got, want) > 0) {
                result.completeExceptionally(new NinepException(
                        "server wrote " + Integer.toUnsignedString(got) + " bytes of " + want));
            } else if (done + got >= len || got == 0) {
                result.complete(done + got);
            } else {
                writeChunk(at + got, data, off, len, done + got, result, current);
            }
        });
    }

    public int write(long offset, byte[] data, int off, int len) throws IOException {
        return NinepClient.await(writeAsync(offset, data, off, len));
    }

    /** Writes at this fid's offset and advances it by the count written. */
    public int write(byte[] data, int off, int len) throws IOException {
        int n = write(offset.get(), data, off, len);
        offset.addAndGet(n);
        return n;
    }

    public int write(byte[] data) throws IOException {
        return write(data, 0, data.length);
    }

    // ---- clunk ------------------------------------------------------------------------------

    /**
     * Tclunk; the fid number is free again once the server answers, error or not. A second clunk
     * does nothing. An Rerror (a file that commits its content at clunk) fails the future.
     */
    public CompletableFuture<Void> clunkAsync() {
        if (!clunked.compareAndSet(false, true)) return CompletableFuture.completedFuture(null);
        CompletableFuture<Void> f = client.call(new Tclunk(0, num), (Rclunk r) -> null, false);
        f.whenComplete((v, t) -> client.releaseFid(num));
        return f;
    }

    public void clunk() throws IOException {
        NinepClient.await(clunkAsync());
    }

    void clunkQuietly() {
        try {
            clunk();
        } catch (IOException e) {
            // the caller is already reporting a better error
        }
    }

    private void clunkQuietlyAsync() {
        clunkAsync().exceptionally(t -> null);
    }

    /** {@link #clunk()}. */
    @Override
    public void close() throws IOException {
        clunk();
    }

    @Override
    public String toString() {
        return "Fid[" + num + ", " + qid + "]";
    }
}
