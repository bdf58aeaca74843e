package dev.anvillm.ninep.tree;

import dev.anvillm.ninep.server.ClunkRequest;
import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.ninep.server.ReadRequest;
import dev.anvillm.ninep.server.WriteRequest;
import dev.anvillm.ninep.proto.OpenMode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Line commands: bytes accumulate per fid, each complete line runs at its newline, an
 * unterminated one at clunk; on a fid opened ORDWR each write is a whole command. Offsets are ignored.
 */
final class ControlFile implements File.Behavior {
    static final int MAX_LINE = 64 * 1024;

    private final LineCommands commands;
    private final Supplier<String> current;

    ControlFile(LineCommands commands, Supplier<String> current) {
        this.commands = commands;
        this.current = current;
    }

    private static final class State extends FidWork {
        final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        byte[] answer = new byte[0];
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
            byte[] data = r.data();
            int start = 0;
            for (int i = 0; i < data.length; i++) {
                if (data[i] != '\n') continue;
                s.partial.write(data, start, i - start);
                start = i + 1;
                String line = s.partial.toString(StandardCharsets.UTF_8);
                s.partial.reset();
                runLine(fid, s, line);
            }
            if (s.partial.size() + data.length - start > MAX_LINE) {
                s.partial.reset();
                throw new NinepException("command line too long (limit " + MAX_LINE + " bytes); end it with a newline");
            }
            s.partial.write(data, start, data.length - start);
            // Opened for reading and writing (plan9port's `9p rdwr`, which strips newlines and never
            // clunks), each write is a whole command, as Plan 9 ctl files take them; the answer is
            // then readable on the same fid at once.
            if (OpenMode.access(fid.mode()) == OpenMode.ORDWR && s.partial.size() > 0) {
                String line = s.partial.toString(StandardCharsets.UTF_8);
                s.partial.reset();
                runLine(fid, s, line);
            }
            r.respond();
        });
    }

    private void runLine(Fid fid, State s, String line) throws NinepException {
        if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
        if (line.isBlank()) return;
        String answer = commands.run(fid, line);
        if (answer != null) s.answer = answer.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void read(Fid fid, ReadRequest r) {
        State s = fid.aux();
        if (current != null) {
            if (r.offset() == 0 || s.snapshot == null) s.snapshot = current.get().getBytes(StandardCharsets.UTF_8);
            r.respondFrom(s.snapshot);
            return;
        }
        s.then(r, () -> r.respondFrom(s.answer));
    }

    @Override
    public byte[] content() {
        return current == null ? null : current.get().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void clunk(Fid fid, ClunkRequest r) {
        State s = fid.aux();
        s.then(r, () -> {
            if (s.partial.size() > 0) {
                String line = s.partial.toString(StandardCharsets.UTF_8);
                s.partial.reset();
                runLine(fid, s, line);
            }
            r.respond();
        });
    }
}
