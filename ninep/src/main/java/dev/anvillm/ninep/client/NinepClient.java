package dev.anvillm.ninep.client;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.DecodeException;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.Message.*;
import dev.anvillm.ninep.proto.OpenMode;
import dev.anvillm.ninep.proto.Stat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A 9P2000 connection over a Unix domain socket, mounted at a root {@link Fid}.
 *
 * <p>Requests are multiplexed: every call gets the lowest free tag, so sequential use sends tag 0
 * each time like plan9port, and any number may be in flight. One virtual thread reads replies
 * and completes each request's future by tag. Cancelling the future of a raw {@link #rpc} (or of
 * a read, write, open or stat) sends Tflush; the tag is reused only after Rflush. Closing the
 * client, or losing the connection, fails every pending request.
 */
public final class NinepClient implements AutoCloseable {
    /** plan9port's msize. */
    public static final int DEFAULT_MSIZE = 8192;
    public static final String VERSION = "9P2000";
    /** The smallest msize this client proposes; Twalk and Rstat must fit. */
    public static final int MIN_MSIZE = 256;

    /** Sees every message sent and received, in order per direction (plan9port's {@code -D}). */
    public interface Trace {
        Trace NONE = new Trace() {
            @Override public void sent(Message m) { }
            @Override public void received(Message m) { }
        };

        void sent(Message m);

        void received(Message m);
    }

    /**
     * How to mount.
     *
     * @param msize the msize to propose; the server may lower it
     * @param uname the user name sent in Tauth and Tattach
     * @param aname the tree to attach
     * @param auth  send Tauth first, as plan9port's {@code 9p} does unless {@code -n}; an Rerror
     *              to it is expected and ignored
     */
    public record Options(int msize, String uname, String aname, boolean auth, Trace trace) {
        public Options {
            if (msize < MIN_MSIZE) throw new IllegalArgumentException("msize " + msize + " is below " + MIN_MSIZE);
            Objects.requireNonNull(uname, "uname");
            Objects.requireNonNull(aname, "aname");
            Objects.requireNonNull(trace, "trace");
        }

        /** msize 8192, this account's name, the default tree, with Tauth: what plan9port sends. */
        public static Options defaults() {
            return new Options(DEFAULT_MSIZE, System.getProperty("user.name", "none"), "", true, Trace.NONE);
        }

        public Options withMsize(int msize) { return new Options(msize, uname, aname, auth, trace); }
        public Options withUname(String uname) { return new Options(msize, uname, aname, auth, trace); }
        public Options withAname(String aname) { return new Options(msize, uname, aname, auth, trace); }
        public Options withAuth(boolean auth) { return new Options(msize, uname, aname, auth, trace); }
        public Options withTrace(Trace trace) { return new Options(msize, uname, aname, auth, trace); }
    }

    private static final class Pending {
        final Message.T request;
        final CompletableFuture<Message.R> future = new CompletableFuture<>();
        /** For a Tflush: the tag it flushes. */
        final int flushes;
        /** The tag of the Tflush sent for this request once it was cancelled, or -1. */
        int flushedBy = -1;

        Pending(Message.T request, int flushes) {
            this.request = request;
            this.flushes = flushes;
        }
    }

    private final SocketChannel channel;
    private final Options options;
    private final int msize;
    private final ReentrantLock sendLock = new ReentrantLock();

    // Guarded by `state`.
    private final Object state = new Object();
    private final BitSet tagsInUse = new BitSet();
    private final Map<Integer, Pending> pending = new HashMap<>();
    private final ArrayDeque<Integer> freeFids = new ArrayDeque<>();
    private int nextFid;
    private NinepException closedBy;

    private volatile Fid root;

    private NinepClient(SocketChannel channel, Options options, int msize) {
        this.channel = channel;
        this.options = options;
        this.msize = msize;
    }

    /** Dials {@code socket} and mounts it with {@link Options#defaults()}. */
    public static NinepClient connect(Path socket) throws IOException {
        return connect(socket, Options.defaults());
    }

    /**
     * Dials {@code socket}, negotiates the version, sends Tauth (unless {@code !options.auth()})
     * and attaches. A failure to dial is a plain {@link IOException} (the system's reason);
     * a failure after that is a {@link NinepException}.
     */
    public static NinepClient connect(Path socket, Options options) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        NinepClient client;
        try {
            client = new NinepClient(ch, options, negotiate(ch, options));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        // a platform thread: closing the channel ends its read, so none is left in a system call when
        // a short-lived client exits (the JVM waits up to 300 ms for such a thread, as for a virtual thread's poller)
        Thread.ofPlatform().daemon().name("9p-reader " + socket).start(client::readLoop);
        try {
            client.mount();
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
        return client;
    }

    /** The negotiated msize; reads and writes carry at most msize-24 bytes of data. */
    public int msize() {
        return msize;
    }

    /** The attached root. Never clunked by this client (plan9port leaves it to the hang-up too). */
    public Fid root() {
        return root;
    }

    // ---- blocking conveniences on paths relative to the root --------------------------------

    /** Walks from the root; see {@link Fid#walk(String)}. */
    public Fid walk(String path) throws IOException {
        return root.walk(path);
    }

    /** Walks from the root and opens; the walked fid is clunked when the open fails. */
    public Fid open(String path, int mode) throws IOException {
        Fid fid = walk(path);
        try {
            return fid.open(mode);
        } catch (IOException | RuntimeException e) {
            fid.clunkQuietly();
            throw e;
        }
    }

    /** Walk, Tstat, clunk. */
    public Stat stat(String path) throws IOException {
        Fid fid = walk(path);
        try {
            return fid.stat();
        } finally {
            fid.clunkQuietly();
        }
    }

    /** Opens for reading and reads until a read returns no data. Do not use on a file that blocks. */
    public byte[] readAll(String path) throws IOException {
        try (Fid fid = open(path, OpenMode.OREAD)) {
            return fid.readToEnd();
        }
    }

    /**
     * Opens with OWRITE|OTRUNC, writes {@code data} (in msize-24 pieces, one empty Twrite for no
     * data) and clunks; an error at clunk (a file that commits then) is thrown too.
     */
    public void writeAll(String path, byte[] data) throws IOException {
        Fid fid = open(path, OpenMode.OWRITE | OpenMode.OTRUNC);
        try {
            int n = fid.write(data);
            if (n != data.length) throw new NinepException("short write: " + n + " of " + data.length + " bytes");
        } catch (IOException | RuntimeException e) {
            fid.clunkQuietly();
            throw e;
        }
        fid.clunk();
    }

    /** The entries of a directory, in the server's order. */
    public List<Stat> readDir(String path) throws IOException {
        try (Fid fid = open(path, OpenMode.OREAD)) {
            return fid.readDir();
        }
    }

    // ---- raw requests -----------------------------------------------------------------------

    /**
     * Sends one request and completes with its reply: the R-message of the matching type, or
     * exceptionally with {@link RerrorException}, or {@link NinepException} when the connection
     * fails. The request's tag is replaced by a free one. Cancelling the future sends Tflush.
     * Fids in raw requests are the caller's business; {@link Fid} numbers come from this client.
     */
    public CompletableFuture<Message.R> rpc(Message.T request) {
        if (request instanceof Tversion) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("Tversion is sent only by connect"));
        }
        if (request instanceof Tflush) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("cancel the request's future to flush it"));
        }
        Pending p;
        synchronized (state) {
            if (closedBy != null) return CompletableFuture.failedFuture(closedBy);
            int tag = tagsInUse.nextClearBit(0);
            if (tag >= Message.NOTAG) {
                return CompletableFuture.failedFuture(new NinepException("too many requests in flight"));
            }
            tagsInUse.set(tag);
            p = new Pending(request.withTag(tag), -1);
            pending.put(tag, p);
        }
        p.future.whenComplete((r, t) -> {
            if (p.future.isCancelled()) flush(p);
        });
        transmit(p.request);
        return p.future;
    }

    private void flush(Pending victim) {
        Pending f;
        int oldtag = victim.request.tag();
        synchronized (state) {
            if (closedBy != null || pending.get(oldtag) != victim || victim.flushedBy >= 0) return;
            int tag = tagsInUse.nextClearBit(0);
            if (tag >= Message.NOTAG) return; // no tag to flush with: the reply, when it comes, is dropped
            tagsInUse.set(tag);
            f = new Pending(new Tflush(tag, oldtag), oldtag);
            pending.put(tag, f);
            victim.flushedBy = tag;
        }
        transmit(f.request);
    }

    private void transmit(Message.T m) {
        byte[] frame = Codec.encode(m);
        options.trace().sent(m);
        // A write by a thread whose interrupt is set closes the channel (it is an
        // InterruptibleChannel), failing every request of everyone sharing this connection: the
        // interrupt is put aside for the write and given back to its thread after.
        boolean interrupted = Thread.interrupted();
        sendLock.lock();
        try {
            ByteBuffer buf = ByteBuffer.wrap(frame);
            while (buf.hasRemaining()) channel.write(buf);
        } catch (IOException e) {
            shutdown(new NinepException("connection lost: " + e.getMessage(), e));
        } finally {
            sendLock.unlock();
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private void readLoop() {
        NinepException cause;
        try {
            while (true) {
                Message m = readFrame(channel, msize);
                if (m == null) {
                    cause = new NinepException("connection closed by server");
                    break;
                }
                options.trace().received(m);
                if (!(m instanceof Message.R r)) {
                    cause = new NinepException("server sent a request (" + name(m) + ")");
                    break;
                }
                cause = dispatch(r);
                if (cause != null) break;
            }
        } catch (NinepException e) {
            cause = e;
        } catch (IOException e) {
            cause = new NinepException("connection lost: " + e.getMessage(), e);
        }
        shutdown(cause);
    }

    /** Completes the request a reply answers; returns an error when the reply breaks the protocol. */
    private NinepException dispatch(Message.R r) {
        Pending p;
        Pending flushed = null;
        synchronized (state) {
            p = pending.get(r.tag());
            if (p == null) return new NinepException("server answered tag " + r.tag() + ", which is not in flight");
            if (p.flushedBy >= 0) {
                // Answered before its Rflush: the future is already cancelled, but the tag stays
                // reserved until the Rflush arrives.
                return null;
            }
            pending.remove(r.tag());
            tagsInUse.clear(r.tag());
            if (p.flushes >= 0) {
                flushed = pending.remove(p.flushes);
                tagsInUse.clear(p.flushes);
            }
        }
        if (flushed != null) flushed.future.cancel(false);
        if (r instanceof Rerror e) {
            p.future.completeExceptionally(new RerrorException(e.ename()));
        } else if (r.type() != p.request.type() + 1) {
            p.future.completeExceptionally(new NinepException(
                    "server answered " + name(p.request) + " with " + name(r)));
        } else {
            p.future.complete(r);
        }
        return null;
    }

    private void shutdown(NinepException cause) {
        List<Pending> victims;
        synchronized (state) {
            if (closedBy != null) return;
            closedBy = cause;
            victims = new ArrayList<>(pending.values());
            pending.clear();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
        for (Pending p : victims) p.future.completeExceptionally(cause);
    }

    /** Hangs up; every request still in flight fails with "connection closed". */
    @Override
    public void close() {
        shutdown(new NinepException("connection closed"));
    }

    public boolean isClosed() {
        synchronized (state) {
            return closedBy != null;
        }
    }

    // ---- fids -------------------------------------------------------------------------------

    /** The next fid number: the most recently released one, else a new one (plan9port's free list). */
    int allocFid() {
        synchronized (state) {
            Integer f = freeFids.poll();
            return f != null ? f : nextFid++;
        }
    }

    void releaseFid(int fid) {
        synchronized (state) {
            freeFids.push(fid);
        }
    }

    /**
     * Sends {@code request} and maps its reply. With {@code flushOnCancel}, cancelling the
     * returned future flushes the request; without, the request runs to its end regardless
     * (walks and clunks change fids and must be seen through).
     */
    @SuppressWarnings("unchecked")
    <R extends Message.R, V> CompletableFuture<V> call(Message.T request, Function<R, V> map, boolean flushOnCancel) {
        CompletableFuture<Message.R> raw = rpc(request);
        CompletableFuture<V> out = new CompletableFuture<>();
        raw.whenComplete((r, t) -> {
            if (t != null) {
                out.completeExceptionally(unwrap(t));
                return;
            }
            try {
                out.complete(map.apply((R) r));
            } catch (RuntimeException e) {
                out.completeExceptionally(unwrap(e));
            }
        });
        if (flushOnCancel) {
            out.whenComplete((v, t) -> {
                if (out.isCancelled()) raw.cancel(false);
            });
        }
        return out;
    }

    private void mount() throws IOException {
        int afid = Message.NOFID;
        if (options.auth()) {
            int a = allocFid();
            try {
                await(rpc(new Tauth(0, a, options.uname(), options.aname())));
                afid = a; // plan9port would now run p9any; it attaches with the afid either way
            } catch (RerrorException expected) {
                releaseFid(a);
            }
        }
        int fid = allocFid();
        Rattach ra;
        try {
            ra = (Rattach) await(rpc(new Tattach(0, fid, afid, options.uname(), options.aname())));
        } catch (IOException | RuntimeException e) {
            releaseFid(fid);
            throw e;
        }
        root = new Fid(this, fid, ra.qid());
        if (afid != Message.NOFID) new Fid(this, afid, null).clunkQuietly();
    }

    // ---- frames -----------------------------------------------------------------------------

    private static int negotiate(SocketChannel ch, Options o) throws IOException {
        Tversion tv = new Tversion(Message.NOTAG, o.msize(), VERSION);
        o.trace().sent(tv);
        ByteBuffer out = ByteBuffer.wrap(Codec.encode(tv));
        while (out.hasRemaining()) ch.write(out);
        Message m = readFrame(ch, o.msize());
        if (m == null) throw new NinepException("version: connection closed by server");
        o.trace().received(m);
        // if, not a pattern switch: this runs once per process, and a switch's bootstrap costs
        // a one-shot 9p call about 10 ms
        if (m instanceof Rversion rv && rv.tag() == Message.NOTAG) {
            if (!rv.version().equals(VERSION)) {
                throw new NinepException("version: server answered '" + rv.version() + "', not " + VERSION);
            }
            long offered = Integer.toUnsignedLong(rv.msize());
            if (offered <= Codec.IOHDRSZ) throw new NinepException("version: server msize " + offered + " is too small");
            return (int) Math.min(offered, o.msize());
        }
        if (m instanceof Rerror e) throw new RerrorException(e.ename());
        throw new NinepException("version: server answered Tversion with " + name(m));
    }

    /** One whole frame, or null at a clean end of stream. */
    private static Message readFrame(SocketChannel ch, int limit) throws IOException {
        ByteBuffer size = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        if (!readFully(ch, size, true)) return null;
        long n = Integer.toUnsignedLong(size.getInt(0));
        if (n > limit) {
            throw new NinepException("server sent a " + n + "-byte message, larger than msize " + limit);
        }
        if (n < Codec.HEADER) throw new NinepException("server sent a malformed message: size field " + n);
        byte[] frame = new byte[(int) n];
        System.arraycopy(size.array(), 0, frame, 0, 4);
        readFully(ch, ByteBuffer.wrap(frame, 4, frame.length - 4), false);
        try {
            return Codec.decode(frame);
        } catch (DecodeException e) {
            throw new NinepException("server sent a malformed message: " + e.getMessage());
        }
    }

    private static boolean readFully(SocketChannel ch, ByteBuffer buf, boolean eofAllowedAtStart) throws IOException {
        boolean start = true;
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                if (start && eofAllowedAtStart) return false;
                throw new NinepException("connection closed by server in the middle of a message");
            }
            start = false;
        }
        return true;
    }

    static String name(Message m) {
        return m.getClass().getSimpleName();
    }

    // ---- futures ----------------------------------------------------------------------------

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Waits for {@code f}; a 9P failure is thrown as the {@link IOException} it is. Interruption
     * cancels the request (a Tflush where that applies).
     */
    public static <V> V await(CompletableFuture<V> f) throws IOException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = unwrap(e);
            // one "connection closed" fails every pending request: give each caller its own,
            // or try-with-resources would add an exception to itself as suppressed
            if (c.getClass() == NinepException.class) throw new NinepException(c.getMessage(), c);
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new NinepException(c.toString(), c);
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for a 9P reply");
        } catch (CancellationException e) {
            throw new NinepException("request cancelled", e);
        }
    }
}
