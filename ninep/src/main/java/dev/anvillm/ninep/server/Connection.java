package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.Message.*;
import dev.anvillm.ninep.proto.OpenMode;
import dev.anvillm.ninep.proto.Qid;
import dev.anvillm.ninep.proto.Stat;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One client connection: msize, the fid table, the tags in flight. The fid table is touched only
 * on the channel's event loop; the pending table and the outbox also by handler threads, under
 * this object's lock, which is what keeps replies in the order they were decided (a reply always
 * precedes the Rflush that follows it).
 */
final class Connection extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger("ninep");

    private final NinepServer server;
    private final Peer peer;
    private final Object principal;
    /** What this connection may hold: decided at accept, by who its peer is. */
    private final ServerLimits limits;
    private Channel channel;
    private volatile int msize;
    private final Map<Integer, Fid> fids = new HashMap<>();
    private final Map<Integer, Request> pending = new HashMap<>();
    private final ArrayDeque<Message> outbox = new ArrayDeque<>();
    private boolean inRead;

    Connection(NinepServer server, Peer peer, Object principal, ServerLimits limits) {
        this.server = server;
        this.peer = peer;
        this.principal = principal;
        this.limits = limits;
        this.msize = limits.maxMsize();
    }

    int frameLimit() {
        return msize;
    }

    void protocolError(String reason) {
        LOG.log(System.Logger.Level.WARNING, "closing connection from {0}: {1}", peer, reason);
    }

    // ---- replies -----------------------------------------------------------------------------

    /** A handler answered {@code r}; dropped if the request was flushed meanwhile. */
    void answer(Request r, R reply) {
        synchronized (this) {
            if (pending.get(r.tag()) != r) return;
            pending.remove(r.tag());
            outbox.add(reply);
        }
        drain();
    }

    private void reply(R reply) {
        synchronized (this) {
            outbox.add(reply);
        }
        drain();
    }

    private void drain() {
        Channel ch = channel;
        if (ch == null) return;
        if (ch.eventLoop().inEventLoop()) writeOutbox(!inRead);
        else ch.eventLoop().execute(() -> writeOutbox(true));
    }

    private void writeOutbox(boolean flush) {
        List<Message> batch;
        synchronized (this) {
            if (outbox.isEmpty()) return;
            batch = new ArrayList<>(outbox);
            outbox.clear();
        }
        for (Message m : batch) channel.write(m, channel.voidPromise());
        if (flush) channel.flush();
    }

    // ---- channel events ----------------------------------------------------------------------

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inRead = true;
        try {
            dispatch((Message) msg);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "handler failed on " + msg + " from " + peer, e);
            int tag = ((Message) msg).tag();
            Request r;
            synchronized (this) {
                r = pending.get(tag);
            }
            if (r != null) r.error("internal error: " + e.getClass().getSimpleName());
            else reply(new Rerror(tag, "internal error: " + e.getClass().getSimpleName()));
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inRead = false;
        writeOutbox(false);
        ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        reset();
        server.connectionClosed(principal);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "connection from " + peer + " failed", cause);
        ctx.close();
    }

    /** Abandons every pending request (no replies) and releases every fid. */
    private void reset() {
        List<Request> abandoned;
        synchronized (this) {
            abandoned = new ArrayList<>(pending.values());
            pending.clear();
            outbox.clear();
        }
        abandoned.forEach(Request::cancel);
        List<Fid> all = new ArrayList<>(fids.values());
        fids.clear();
        for (Fid f : all) release(f);
    }

    /** Releases a fid nobody will hear about (disconnect, Tversion, Tremove). */
    private void release(Fid f) {
        if (!f.isOpen()) return;
        try {
            f.node().clunk(f, new ClunkRequest(this, Message.NOTAG, f));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "clunk failed", e);
        }
    }

    // ---- the protocol ------------------------------------------------------------------------

    private void dispatch(Message m) {
        try {
            switch (m) {
                case Tversion v -> version(v);
                case Tauth a -> reply(new Rerror(a.tag(), NinepException.NO_AUTH));
                case Tattach a -> attach(a);
                case Tflush f -> flush(f);
                case Twalk w -> walk(w);
                case Topen o -> open(o);
                case Tcreate c -> reply(new Rerror(c.tag(), NinepException.PERMISSION));
                case Tread r -> read(r);
                case Twrite w -> write(w);
                case Tclunk c -> clunk(c);
                case Tremove r -> remove(r);
                case Tstat s -> reply(new Rstat(s.tag(), fid(s.fid()).node().stat()));
                case Twstat s -> wstat(s);
                case R r -> {
                    protocolError("sent a reply message (type " + r.type() + ")");
                    channel.close();
                }
            }
        } catch (NinepException e) {
            reply(new Rerror(m.tag(), e.getMessage()));
        }
    }

    private Fid fid(int number) throws NinepException {
        Fid f = fids.get(number);
        if (f == null) throw new NinepException(NinepException.BAD_FID);
        return f;
    }

    private void addFid(Fid f) throws NinepException {
        if (fids.containsKey(f.number())) throw new NinepException(NinepException.FID_IN_USE);
        if (fids.size() >= limits.maxFids()) {
            throw new NinepException("too many fids: clunk some (limit " + limits.maxFids() + ")");
        }
        fids.put(f.number(), f);
    }

    private void version(Tversion v) {
        reset();
        int offered = v.msize();
        if (Integer.compareUnsigned(offered, ServerLimits.MIN_MSIZE) < 0) {
            reply(new Rerror(v.tag(), "msize " + Integer.toUnsignedString(offered) + " too small; need at least " + ServerLimits.MIN_MSIZE));
            return;
        }
        msize = Integer.compareUnsigned(offered, limits.maxMsize()) < 0 ? offered : limits.maxMsize();
        String version = v.version().startsWith("9P2000") ? "9P2000" : "unknown";
        reply(new Rversion(v.tag(), msize, version));
    }

    private void attach(Tattach a) throws NinepException {
        if (a.afid() != Message.NOFID) throw new NinepException(NinepException.NO_AUTH);
        Node root = server.attacher().attach(principal, a.uname(), a.aname());
        Fid f = new Fid(a.fid(), root, peer, principal);
        addFid(f);
        reply(new Rattach(a.tag(), root.stat().qid()));
    }

    private void flush(Tflush f) {
        Request old;
        synchronized (this) {
            old = pending.remove(f.oldtag());
        }
        if (old != null) old.cancel();
        reply(new Rflush(f.tag()));
    }

    private void walk(Twalk w) throws NinepException {
        Fid f = fid(w.fid());
        if (f.isOpen()) throw new NinepException("cannot walk an open fid");
        if (w.newfid() != w.fid() && fids.containsKey(w.newfid())) throw new NinepException(NinepException.FID_IN_USE);
        Node node = f.node();
        List<Qid> qids = new ArrayList<>(w.names().size());
        for (String name : w.names()) {
            if (!node.stat().isDir()) {
                if (qids.isEmpty()) throw new NinepException(NinepException.NOT_DIR);
                break;
            }
            Node next = name.equals("..") ? node.parent() : lookup(node, name, f);
            if (next == null) {
                if (qids.isEmpty()) throw NinepException.notFound();
                break;
            }
            node = next;
            qids.add(next.stat().qid());
        }
        if (qids.size() == w.names().size()) {
            if (w.newfid() == w.fid()) {
                f.node(node);
            } else {
                Fid nf = f.copy(w.newfid());
                nf.node(node);
                addFid(nf);
            }
        }
        reply(new Rwalk(w.tag(), qids));
    }

    private static Node lookup(Node dir, String name, Fid f) throws NinepException {
        if (name.isEmpty() || name.equals(".") || name.indexOf('/') >= 0) return null;
        return dir.walk(name, f);
    }

    private void open(Topen o) throws NinepException {
        Fid f = fid(o.fid());
        if (f.isOpen()) throw new NinepException(NinepException.ALREADY_OPEN);
        Stat st = f.node().stat();
        int mode = o.mode();
        if (st.isDir() && (OpenMode.wantsWrite(mode) || OpenMode.access(mode) == OpenMode.OEXEC)) {
            throw new NinepException(NinepException.IS_DIR);
        }
        int perm = st.mode();
        boolean ok = switch (OpenMode.access(mode)) {
            case OpenMode.OREAD -> (perm & 0400) != 0;
            case OpenMode.OWRITE -> (perm & 0200) != 0;
            case OpenMode.ORDWR -> (perm & 0600) == 0600;
            default -> (perm & 0100) != 0;
        };
        if ((mode & OpenMode.OTRUNC) != 0 && (perm & 0200) == 0) ok = false;
        if (!ok) throw NinepException.permission();
        f.mode(mode); // visible to the node's open, which may refuse
        if (!st.isDir()) {
            try {
                f.node().open(f);
            } catch (NinepException | RuntimeException e) {
                f.mode(-1);
                throw e;
            }
        }
        reply(new Ropen(o.tag(), st.qid(), iounit()));
    }

    private int iounit() {
        return msize - Codec.IOHDRSZ;
    }

    private void read(Tread t) throws NinepException {
        Fid f = fid(t.fid());
        if (!f.isOpen()) throw new NinepException(NinepException.NOT_OPEN);
        if (!f.canRead()) throw new NinepException("fid not open for reading");
        if (t.offset() < 0) throw new NinepException("bad offset");
        int count = Integer.compareUnsigned(t.count(), iounit()) > 0 ? iounit() : t.count();
        if (f.node().stat().isDir()) {
            reply(new Rread(t.tag(), readDir(f, t.offset(), count)));
            return;
        }
        ReadRequest r = new ReadRequest(this, t.tag(), f, t.offset(), count);
        register(r);
        f.node().read(f, r);
    }

    private void write(Twrite t) throws NinepException {
        Fid f = fid(t.fid());
        if (!f.isOpen()) throw new NinepException(NinepException.NOT_OPEN);
        if (!f.canWrite()) throw new NinepException("fid not open for writing");
        if (t.offset() < 0) throw new NinepException("bad offset");
        WriteRequest r = new WriteRequest(this, t.tag(), f, t.offset(), t.data());
        register(r);
        f.node().write(f, r);
    }

    private void register(Request r) throws NinepException {
        synchronized (this) {
            if (pending.containsKey(r.tag())) throw new NinepException("tag " + r.tag() + " already in flight");
            // a clunk is never refused: the fid is already gone and its buffered write must be committed
            if (!(r instanceof ClunkRequest) && pending.size() >= limits.maxInFlight()) {
                throw new NinepException("too many requests in flight (limit " + limits.maxInFlight() + ")");
            }
            pending.put(r.tag(), r);
        }
    }

    private byte[] readDir(Fid f, long offset, int count) throws NinepException {
        if (offset == 0) {
            List<? extends Node> children = f.node().list(f);
            byte[][] entries = new byte[children.size()][];
            for (int i = 0; i < entries.length; i++) entries[i] = Codec.encodeStat(children.get(i).stat());
            f.dirEntries = entries;
            f.dirIndex = 0;
            f.dirOffset = 0;
        } else if (f.dirEntries == null || offset != f.dirOffset) {
            throw new NinepException(NinepException.BAD_OFFSET);
        }
        int n = 0, i = f.dirIndex;
        while (i < f.dirEntries.length && n + f.dirEntries[i].length <= count) n += f.dirEntries[i++].length;
        if (n == 0 && i < f.dirEntries.length) throw new NinepException("read count " + count + " too small for a directory entry");
        byte[] out = new byte[n];
        int at = 0;
        for (int j = f.dirIndex; j < i; j++) {
            System.arraycopy(f.dirEntries[j], 0, out, at, f.dirEntries[j].length);
            at += f.dirEntries[j].length;
        }
        f.dirIndex = i;
        f.dirOffset += n;
        return out;
    }

    private void clunk(Tclunk c) throws NinepException {
        Fid f = fids.remove(c.fid());
        if (f == null) throw new NinepException(NinepException.BAD_FID);
        abandonRequestsOf(f);
        if (!f.isOpen()) {
            reply(new Rclunk(c.tag()));
            return;
        }
        ClunkRequest r = new ClunkRequest(this, c.tag(), f);
        register(r);
        f.node().clunk(f, r);
    }

    private void remove(Tremove r) throws NinepException {
        Fid f = fids.remove(r.fid());
        if (f == null) throw new NinepException(NinepException.BAD_FID);
        abandonRequestsOf(f);
        release(f);
        throw NinepException.permission();
    }

    /** Requests still waiting on a clunked fid are answered with an error, so the client is not left hanging. */
    private void abandonRequestsOf(Fid f) {
        List<Request> mine = new ArrayList<>();
        synchronized (this) {
            pending.values().removeIf(r -> {
                if (r.fid() != f) return false;
                mine.add(r);
                return true;
            });
        }
        for (Request r : mine) {
            r.cancel();
            reply(new Rerror(r.tag(), "fid clunked"));
        }
    }

    private void wstat(Twstat s) throws NinepException {
        Fid f = fid(s.fid());
        Stat want = s.stat();
        Stat have = f.node().stat();
        boolean rename = !want.name().isEmpty() && !want.name().equals(have.name());
        boolean chmod = want.mode() != -1 && want.mode() != have.mode();
        if (rename || chmod) throw NinepException.permission();
        // Times and a truncating length are accepted and ignored: synthetic files have no such state.
        reply(new Rwstat(s.tag()));
    }
}
