package dev.anvillm.ninep.testserver;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.DecodeException;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.Message.*;
import dev.anvillm.ninep.proto.OpenMode;
import dev.anvillm.ninep.proto.Qid;
import dev.anvillm.ninep.proto.Stat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

/**
 * A small in-memory 9P2000 file server for tests, written apart from the project's server
 * framework so the client is proven against a server that is not ours. Plain Java: a thread
 * per connection over a Unix socket, the project's {@link Codec}, every T-message recorded.
 *
 * <p>Supports version, auth (refused with "authentication not required"), attach, walk
 * (clone, partial, newfid == fid, ".."), open (permission checks, OTRUNC), read (files and
 * directories, whole entries at consistent offsets), write, clunk, stat and flush. Files can be
 * made to fail writes or clunks, or to hang reads until flushed.
 */
public final class RamFs implements AutoCloseable {
    public static final String UID = "glenda";
    public static final String GID = "sys";

    /** One T-message as the server received it, with the connection it came on (1, 2, ...). */
    public record Received(int connection, Message.T message) {}

    /** A file or directory. Mutations go through the server's lock. */
    public final class Node {
        final String name;
        final Node parent;
        final boolean dir;
        final long path;
        final List<Node> children = new ArrayList<>();
        int perm;
        byte[] data = new byte[0];
        int vers;
        long mtime = 1_700_000_000L;
        String uid = UID;
        String gid = GID;
        String writeError;
        String clunkError;
        boolean hang;

        Node(String name, Node parent, boolean dir, int perm) {
            this.name = name;
            this.parent = parent == null ? this : parent;
            this.dir = dir;
            this.perm = perm;
            this.path = nextPath++;
        }

        Qid qid() {
            return new Qid(dir ? Qid.QTDIR : Qid.QTFILE, vers, path);
        }

        Stat stat() {
            return new Stat(0, 0, qid(), (dir ? Stat.DMDIR : 0) | perm, mtime, mtime,
                    dir ? 0 : data.length, name, uid, gid, uid);
        }

        public long qidPath() {
            return path;
        }

        /** Sets the uid (also the muid) and gid this file's stat shows. */
        public Node owner(String uid, String gid) {
            synchronized (lock) {
                this.uid = uid;
                this.gid = gid;
            }
            return this;
        }

        /** Every Twrite to this file fails with {@code ename}. */
        public Node failWrites(String ename) {
            synchronized (lock) { writeError = ename; }
            return this;
        }

        /** Every Tclunk of a fid on this file that wrote fails with {@code ename}. */
        public Node failClunkAfterWrite(String ename) {
            synchronized (lock) { clunkError = ename; }
            return this;
        }

        /** Reads of this file are answered only by a flush (they never complete). */
        public Node hangReads() {
            synchronized (lock) { hang = true; }
            return this;
        }

        public Node mtime(long seconds) {
            synchronized (lock) { mtime = seconds; }
            return this;
        }

        public byte[] data() {
            synchronized (lock) { return data.clone(); }
        }

        public String text() {
            return new String(data(), StandardCharsets.UTF_8);
        }
    }

    private final Object lock = new Object();
    private long nextPath = 1;
    private final Node root;
    private final Path socket;
    private final int maxMsize;
    private final ServerSocketChannel server;
    private final List<Received> log = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private int accepted;
    private int closed;

    private RamFs(Path socket, int maxMsize) throws IOException {
        this.socket = socket;
        this.maxMsize = maxMsize;
        this.root = new Node("/", null, true, 0775);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofPlatform().daemon().name("ramfs-accept").start(this::acceptLoop);
    }

    /** Listens on {@code socket}, offering at most 64 KiB messages. */
    public static RamFs start(Path socket) throws IOException {
        return start(socket, 65536);
    }

    public static RamFs start(Path socket, int maxMsize) throws IOException {
        return new RamFs(socket, maxMsize);
    }

    public Path socket() {
        return socket;
    }

    /** Creates a directory (and its parents) with mode 0775. */
    public Node mkdir(String path) {
        synchronized (lock) {
            Node n = root;
            for (String elem : path.split("/")) {
                if (elem.isEmpty()) continue;
                Node c = child(n, elem);
                if (c == null) {
                    c = new Node(elem, n, true, 0775);
                    n.children.add(c);
                }
                n = c;
            }
            return n;
        }
    }

    /** Creates (or replaces the content of) a file with mode 0664. */
    public Node file(String path, String content) {
        return file(path, content.getBytes(StandardCharsets.UTF_8), 0664);
    }

    public Node file(String path, byte[] content, int perm) {
        synchronized (lock) {
            int slash = path.lastIndexOf('/');
            Node dir = slash < 0 ? root : mkdir(path.substring(0, slash));
            String name = path.substring(slash + 1);
            Node f = child(dir, name);
            if (f == null) {
                f = new Node(name, dir, false, perm);
                dir.children.add(f);
            }
            f.perm = perm;
            f.data = content.clone();
            return f;
        }
    }

    /** Every T-message received so far, in arrival order. */
    public List<Message.T> received() {
        return log.stream().map(Received::message).toList();
    }

    public <M extends Message.T> List<M> received(Class<M> type) {
        return log.stream().map(Received::message).filter(type::isInstance).map(type::cast).toList();
    }

    public List<Received> log() {
        return List.copyOf(log);
    }

    /** Waits for the first received message of {@code type}, or fails after {@code deadline}. */
    public <M extends Message.T> M awaitReceived(Class<M> type, Duration deadline)
            throws InterruptedException, TimeoutException {
        long end = System.nanoTime() + deadline.toNanos();
        synchronized (lock) {
            while (true) {
                List<M> seen = received(type);
                if (!seen.isEmpty()) return seen.getFirst();
                long left = end - System.nanoTime();
                if (left <= 0) throw new TimeoutException("no " + type.getSimpleName() + " received");
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    public int connectionsAccepted() {
        synchronized (lock) { return accepted; }
    }

    /** Waits until {@code n} connections have ended (client hung up), or fails after {@code deadline}. */
    public void awaitConnectionsClosed(int n, Duration deadline) throws InterruptedException, TimeoutException {
        long end = System.nanoTime() + deadline.toNanos();
        synchronized (lock) {
            while (closed < n) {
                long left = end - System.nanoTime();
                if (left <= 0) throw new TimeoutException(closed + " of " + n + " connections closed");
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel c : open) c.close();
        Files.deleteIfExists(socket);
    }

    private Node child(Node dir, String name) {
        for (Node c : dir.children) if (c.name.equals(name)) return c;
        return null;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                return;
            }
            int id;
            synchronized (lock) { id = ++accepted; }
            open.add(ch);
            Thread.ofPlatform().daemon().name("ramfs-conn-" + id).start(new Connection(id, ch)::serve);
        }
    }

    // ---- one connection ---------------------------------------------------------------------

    private final class Connection {
        private final int id;
        private final SocketChannel ch;
        private final Map<Integer, FidState> fids = new HashMap<>();
        private final Set<Integer> hanging = new HashSet<>();
        private int msize;

        private static final class FidState {
            Node node;
            int mode = -1;
            boolean wrote;

            FidState(Node node) { this.node = node; }
        }

        Connection(int id, SocketChannel ch) {
            this.id = id;
            this.ch = ch;
            this.msize = maxMsize;
        }

        void serve() {
            try {
                while (true) {
                    Message m = readFrame();
                    if (m == null) break;
                    if (!(m instanceof Message.T t)) break;
                    synchronized (lock) {
                        log.add(new Received(id, t));
                        lock.notifyAll();
                    }
                    Message.R r;
                    synchronized (lock) {
                        r = handle(t);
                    }
                    if (r != null) send(r);
                }
            } catch (IOException | DecodeException e) {
                // a broken client only loses its own connection
            } finally {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already gone
                }
                open.remove(ch);
                synchronized (lock) {
                    closed++;
                    lock.notifyAll();
                }
            }
        }

        private Message readFrame() throws IOException, DecodeException {
            ByteBuffer size = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            while (size.hasRemaining()) if (ch.read(size) < 0) return null;
            long n = Integer.toUnsignedLong(size.getInt(0));
            if (n < Codec.HEADER || n > msize) throw new DecodeException("bad size " + n);
            byte[] frame = new byte[(int) n];
            System.arraycopy(size.array(), 0, frame, 0, 4);
            ByteBuffer rest = ByteBuffer.wrap(frame, 4, frame.length - 4);
            while (rest.hasRemaining()) if (ch.read(rest) < 0) return null;
            return Codec.decode(frame);
        }

        private void send(Message.R r) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(Codec.encode(r));
            while (b.hasRemaining()) ch.write(b);
        }

        private Message.R error(int tag, String ename) {
            return new Rerror(tag, ename);
        }

        /** The reply to {@code t}, or null when there is none yet (a hanging read). */
        private Message.R handle(Message.T t) {
            int tag = t.tag();
            return switch (t) {
                case Tversion v -> {
                    fids.clear();
                    hanging.clear();
                    msize = Math.min(v.msize(), maxMsize);
                    yield new Rversion(tag, msize, v.version().startsWith("9P2000") ? "9P2000" : "unknown");
                }
                case Tauth a -> error(tag, "authentication not required");
                case Tattach a -> {
                    if (fids.containsKey(a.fid())) yield error(tag, "fid in use");
                    if (a.afid() != Message.NOFID) yield error(tag, "authentication not required");
                    fids.put(a.fid(), new FidState(root));
                    yield new Rattach(tag, root.qid());
                }
                case Tflush f -> {
                    hanging.remove(f.oldtag());
                    yield new Rflush(tag);
                }
                case Twalk w -> walk(w);
                case Topen o -> open(o);
                case Tread r -> read(r);
                case Twrite w -> write(w);
                case Tclunk c -> {
                    FidState f = fids.remove(c.fid());
                    if (f == null) yield error(tag, "unknown fid");
                    if (f.wrote && f.node.clunkError != null) yield error(tag, f.node.clunkError);
                    yield new Rclunk(tag);
                }
                case Tstat s -> {
                    FidState f = fids.get(s.fid());
                    yield f == null ? error(tag, "unknown fid") : new Rstat(tag, f.node.stat());
                }
                case Tcreate c -> error(tag, "permission denied");
                case Tremove r -> {
                    fids.remove(r.fid());
                    yield error(tag, "permission denied");
                }
                case Twstat s -> error(tag, "permission denied");
            };
        }

        private Message.R walk(Twalk w) {
            FidState f = fids.get(w.fid());
            if (f == null) return error(w.tag(), "unknown fid");
            if (f.mode >= 0) return error(w.tag(), "cannot walk an open fid");
            if (w.newfid() != w.fid() && fids.containsKey(w.newfid())) return error(w.tag(), "fid in use");
            Node n = f.node;
            List<Qid> qids = new ArrayList<>();
            for (String name : w.names()) {
                if (!n.dir) break;
                Node next = name.equals("..") ? n.parent : child(n, name);
                if (next == null) break;
                n = next;
                qids.add(n.qid());
            }
            if (qids.size() < w.names().size()) {
                if (qids.isEmpty()) return error(w.tag(), n.dir ? "file does not exist" : "not a directory");
                return new Rwalk(w.tag(), qids);
            }
            fids.put(w.newfid(), new FidState(n));
            return new Rwalk(w.tag(), qids);
        }

        private Message.R open(Topen o) {
            FidState f = fids.get(o.fid());
            if (f == null) return error(o.tag(), "unknown fid");
            if (f.mode >= 0) return error(o.tag(), "fid already open");
            Node n = f.node;
            int access = OpenMode.access(o.mode());
            boolean wantsWrite = OpenMode.wantsWrite(o.mode());
            if (n.dir && wantsWrite) return error(o.tag(), "is a directory");
            boolean readOk = (n.perm & 0400) != 0, writeOk = (n.perm & 0200) != 0, execOk = (n.perm & 0100) != 0;
            if ((OpenMode.wantsRead(o.mode()) && access != OpenMode.OEXEC && !readOk)
                    || (access == OpenMode.OEXEC && !execOk) || (wantsWrite && !writeOk)) {
                return error(o.tag(), "permission denied");
            }
            if ((o.mode() & OpenMode.OTRUNC) != 0 && n.data.length > 0) {
                n.data = new byte[0];
                n.vers++;
            }
            f.mode = o.mode();
            return new Ropen(o.tag(), n.qid(), 0);
        }

        private Message.R read(Tread r) {
            FidState f = fids.get(r.fid());
            if (f == null) return error(r.tag(), "unknown fid");
            if (f.mode < 0 || !OpenMode.wantsRead(f.mode)) return error(r.tag(), "fid not open for reading");
            Node n = f.node;
            if (n.dir) return readDir(r, n);
            if (n.hang) {
                hanging.add(r.tag());
                return null;
            }
            if (r.offset() >= n.data.length) return new Rread(r.tag(), new byte[0]);
            int from = (int) r.offset();
            int to = (int) Math.min(n.data.length, from + (long) r.count());
            return new Rread(r.tag(), Arrays.copyOfRange(n.data, from, to));
        }

        private Message.R readDir(Tread r, Node n) {
            long at = 0;
            int i = 0;
            while (at < r.offset() && i < n.children.size()) at += n.children.get(i++).stat().wireSize();
            if (at != r.offset()) return error(r.tag(), "bad offset in directory read");
            List<byte[]> entries = new ArrayList<>();
            int total = 0;
            for (; i < n.children.size(); i++) {
                byte[] e = Codec.encodeStat(n.children.get(i).stat());
                if (total + e.length > r.count()) break;
                entries.add(e);
                total += e.length;
            }
            byte[] data = new byte[total];
            int p = 0;
            for (byte[] e : entries) {
                System.arraycopy(e, 0, data, p, e.length);
                p += e.length;
            }
            return new Rread(r.tag(), data);
        }

        private Message.R write(Twrite w) {
            FidState f = fids.get(w.fid());
            if (f == null) return error(w.tag(), "unknown fid");
            if (f.mode < 0 || OpenMode.access(f.mode) == OpenMode.OREAD || OpenMode.access(f.mode) == OpenMode.OEXEC) {
                return error(w.tag(), "fid not open for writing");
            }
            Node n = f.node;
            if (n.writeError != null) return error(w.tag(), n.writeError);
            long end = w.offset() + w.data().length;
            if (end > n.data.length) n.data = Arrays.copyOf(n.data, (int) end);
            System.arraycopy(w.data(), 0, n.data, (int) w.offset(), w.data().length);
            n.vers++;
            f.wrote = true;
            return new Rwrite(w.tag(), w.data().length);
        }
    }
}
