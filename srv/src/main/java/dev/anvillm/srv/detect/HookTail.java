package dev.anvillm.srv.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Reads the lines appended to one hook file since the last read. Not thread-safe: one owner. */
public final class HookTail {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger("anvilsrv");

    private final Path file;
    private long offset;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    /** Starts at the current end of {@code file}: earlier events belong to an earlier run. */
    public HookTail(Path file) {
        this.file = file;
        try {
            this.offset = Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            this.offset = 0;
        }
    }

    /** Starts at {@code offset}: the point up to which an earlier daemon had read the file. */
    public HookTail(Path file, long offset) {
        this.file = file;
        this.offset = offset;
    }

    /** How far the file has been read (whole lines only). */
    public long offset() {
        return offset - partial.size();
    }

    public Path file() {
        return file;
    }

    public List<HookEvent> poll() {
        List<HookEvent> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < offset) {
                offset = 0; // truncated or replaced: start over
                partial.reset();
            }
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (offset < size) {
                buf.clear();
                int n = ch.read(buf, offset);
                if (n <= 0) break;
                offset += n;
                byte[] b = buf.array();
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (b[i] != '\n') continue;
                    partial.write(b, start, i - start);
                    start = i + 1;
                    parse(partial.toString(StandardCharsets.UTF_8), out);
                    partial.reset();
                }
                partial.write(b, start, n - start);
            }
        } catch (NoSuchFileException e) {
            // not created yet
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read {0}: {1}", file, e.getMessage());
        }
        return out;
    }

    private static void parse(String line, List<HookEvent> out) {
        if (line.isBlank()) return;
        try {
            JsonNode n = JSON.readTree(line);
            JsonNode name = n.get("hook_event_name");
            if (name != null) out.add(new HookEvent(name.asText(), n));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "ignoring a hook line that is not JSON: {0}", line.length() > 80 ? line.substring(0, 80) : line);
        }
    }
}
