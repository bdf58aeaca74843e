package dev.anvillm.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The baseline: a plain Unix-socket request/response server that reads size-prefixed frames and
 * answers each with a frame of a fixed size — the same bytes a 9P Tread/Rread exchange moves,
 * with no protocol work. Runs as its own process, like the daemon.
 */
public final class PlainServer {
    public static void main(String[] args) throws IOException {
        Path socket = Path.of(args[0]);
        int replySize = Integer.parseInt(args[1]);
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        System.out.println("ready");
        System.out.flush();
        while (true) {
            SocketChannel c = server.accept();
            Thread.ofPlatform().start(() -> serve(c, replySize));
        }
    }

    private static void serve(SocketChannel c, int replySize) {
        ByteBuffer in = ByteBuffer.allocate(65536).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer reply = ByteBuffer.allocate(replySize).order(ByteOrder.LITTLE_ENDIAN);
        reply.putInt(0, replySize);
        ByteBuffer out = ByteBuffer.allocate(replySize * 64);
        try (c) {
            while (c.read(in) >= 0) {
                in.flip();
                out.clear();
                while (in.remaining() >= 4 && in.remaining() >= in.getInt(in.position())) {
                    int size = in.getInt(in.position());
                    // echo the tag so a pipelining client can match replies, as 9P does
                    short tag = in.getShort(in.position() + 5);
                    in.position(in.position() + size);
                    reply.putShort(5, tag);
                    out.put(reply.duplicate().clear());
                }
                in.compact();
                out.flip();
                while (out.hasRemaining()) c.write(out);
            }
        } catch (IOException e) {
            // client went away
        }
    }
}
