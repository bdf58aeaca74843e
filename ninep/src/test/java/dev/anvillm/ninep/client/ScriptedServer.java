package dev.anvillm.ninep.client;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.DecodeException;
import dev.anvillm.ninep.proto.Message;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** A one-connection server that runs a script, for servers that misbehave on purpose. */
final class ScriptedServer implements AutoCloseable {
    interface Script {
        void run(ScriptedServer s) throws Exception;
    }

    private final ServerSocketChannel server;
    private volatile SocketChannel ch;

    ScriptedServer(Path socket, Script script) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try {
                ch = server.accept();
                script.run(this);
            } catch (Exception e) {
                // the client under test sees the hang-up
            }
        });
    }

    Message receive() throws IOException, DecodeException {
        ByteBuffer size = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        readFully(size);
        byte[] frame = new byte[size.getInt(0)];
        System.arraycopy(size.array(), 0, frame, 0, 4);
        readFully(ByteBuffer.wrap(frame, 4, frame.length - 4));
        return Codec.decode(frame);
    }

    void send(Message m) throws IOException {
        sendRaw(Codec.encode(m));
    }

    void sendRaw(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) ch.write(b);
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) if (ch.read(b) < 0) throw new EOFException();
    }

    @Override
    public void close() throws IOException {
        server.close();
        if (ch != null) ch.close();
    }
}
