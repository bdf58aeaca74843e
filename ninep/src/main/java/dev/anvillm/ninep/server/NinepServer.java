package dev.anvillm.ninep.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.MessageToByteEncoder;
import io.netty.buffer.ByteBuf;
import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.Message;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A 9P2000 file server on a Unix domain socket (Netty epoll). Every connection is checked by
 * {@link Access} from its peer credentials before its first message is read.
 */
public final class NinepServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("ninep");

    static {
        // Sampled leak tracking costs every request on a latency-bound socket; enable it with
        // -Dio.netty.leakDetection.level=simple when hunting a leak.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
    }

    private final Attacher attacher;
    private final Access access;
    private final ServerLimits limits;
    private final Admission admission;
    private final AtomicInteger connections = new AtomicInteger();
    private final EventLoopGroup group;
    private final Channel listener;
    private final Path socket;

    /**
     * Loads the epoll transport (Netty's native library and the classes it registers): the
     * largest part of a first {@link #start}. A daemon calls it on a thread of its own as it
     * starts, so that happens beside its other set-up; calling it again costs nothing.
     */
    public static void loadTransport() {
        Epoll.isAvailable();
    }

    private NinepServer(Path socket, Attacher attacher, Access access, ServerLimits limits, int threads) throws IOException {
        this.socket = socket;
        this.attacher = attacher;
        this.access = access;
        this.limits = limits;
        this.admission = access instanceof Admission a ? a : Admission.total(limits);
        if (!Epoll.isAvailable()) {
            throw new IOException("epoll transport unavailable: " + Epoll.unavailabilityCause());
        }
        this.group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerDomainSocketChannel.class)
                    .childOption(ChannelOption.AUTO_READ, true)
                    .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                        @Override
                        protected void initChannel(EpollDomainSocketChannel ch) {
                            accept(ch);
                        }
                    });
            this.listener = b.bind(new DomainSocketAddress(socket.toString())).sync().channel();
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (InterruptedException e) {
            group.shutdownGracefully();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + socket);
        } catch (Exception e) {
            group.shutdownGracefully();
            throw e instanceof IOException io ? io : new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
        }
    }

    /** Listens on {@code socket} (which must not exist) with mode 0600. */
    public static NinepServer start(Path socket, Attacher attacher, Access access, ServerLimits limits) throws IOException {
        return new NinepServer(socket, attacher, access, limits, Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    public Path socket() { return socket; }

    public ServerLimits limits() { return limits; }

    Attacher attacher() { return attacher; }

    public int connections() { return connections.get(); }

    void connectionClosed(Object principal) {
        connections.decrementAndGet();
        admission.closed(principal);
    }

    private void accept(EpollDomainSocketChannel ch) {
        Peer peer;
        try {
            PeerCredentials cred = ch.peerCredentials();
            int[] gids = cred.gids();
            peer = new Peer(cred.pid(), cred.uid(), gids.length > 0 ? gids[0] : -1);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "refusing a connection: no peer credentials ({0})", e.getMessage());
            ch.close();
            return;
        }
        Object principal;
        try {
            principal = access.admit(peer);
        } catch (NinepException e) {
            LOG.log(System.Logger.Level.WARNING, "refusing {0}: {1}", peer, e.getMessage());
            ch.close();
            return;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "access check failed for " + peer, e);
            ch.close();
            return;
        }
        ServerLimits own;
        try {
            own = admission.open(principal);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "admission failed for " + peer, e);
            ch.close();
            return;
        }
        if (own == null) {
            LOG.log(System.Logger.Level.WARNING, "refusing {0}: no room left for {1}", peer, principal);
            ch.close();
            return;
        }
        connections.incrementAndGet();
        Connection conn = new Connection(this, peer, principal, own);
        ch.pipeline().addLast("frames", new FrameDecoder(conn));
        ch.pipeline().addLast("encoder", new MessageToByteEncoder<Message>(Message.class) {
            @Override
            protected void encode(ChannelHandlerContext ctx, Message msg, ByteBuf out) {
                out.writeBytes(Codec.encode(msg));
            }
        });
        ch.pipeline().addLast("9p", conn);
    }

    @Override
    public void close() {
        try {
            listener.close().syncUninterruptibly();
        } finally {
            group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove {0}: {1}", socket, e.getMessage());
            }
        }
    }
}
