package dev.anvillm.ninep.tree;

import dev.anvillm.ninep.server.ClunkRequest;
import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.ReadRequest;
import dev.anvillm.ninep.server.WriteRequest;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Whole content per fid: Twrites append (offsets ignored), the content is committed at clunk. */
final class WholeFile implements File.Behavior {
    private final WholeContent handler;
    private final Supplier<String> current;

    WholeFile(WholeContent handler, Supplier<String> current) {
        this.handler = handler;
        this.current = current;
    }

    private static final class State extends FidWork {
        final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        boolean written;
        byte[] snapshot;
    }

    @Override
    public void open(Fid fid) {
        fid.aux(new State());
    }

    @Override
    public void write(Fid fid, WriteRequest r) {
        State s = fid.aux();
        s.then(r, () -> {
            handler.check(fid, (long) s.buffer.size() + r.data().length);
            s.buffer.writeBytes(r.data());
            s.written = true;
            r.respond();
        });
    }

    @Override
    public void read(Fid fid, ReadRequest r) {
        State s = fid.aux();
        if (current == null) {
            r.error("permission denied");
            return;
        }
        if (r.offset() == 0 || s.snapshot == null) s.snapshot = current.get().getBytes(StandardCharsets.UTF_8);
        r.respondFrom(s.snapshot);
    }

    @Override
    public void clunk(Fid fid, ClunkRequest r) {
        State s = fid.aux();
        s.then(r, () -> {
            if (s.written) handler.commit(fid, s.buffer.toByteArray());
            r.respond();
        });
    }

    @Override
    public byte[] content() {
        return current == null ? null : current.get().getBytes(StandardCharsets.UTF_8);
    }
}
