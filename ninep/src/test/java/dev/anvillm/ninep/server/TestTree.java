package dev.anvillm.ninep.server;

import dev.anvillm.ninep.tree.Dir;
import dev.anvillm.ninep.tree.File;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The tree the protocol tests run against, with everything its files do recorded for the test
 * to check:
 * <pre>
 * /
 *   list      r-  text, {@link #LIST} (19 bytes)
 *   mutable   r-  text the test changes ({@link #mutable})
 *   big       r-  text, 10000 bytes
 *   ctl       rw  line commands, recorded in {@link #commands}; "bogus" fails, "new ..." answers {@link #NEW_ID}
 *   in        -w  whole content, commits recorded in {@link #commits}
 *   alias     rw  whole content backed by {@link #alias}
 *   events    r-  reads block until {@link #events} releases them
 *   whoami    r-  "pid uid\n" of the peer that reads it
 *   d/        {@link #D_ENTRIES} text files f000 f001 ...
 *   a/a/.../a/leaf  {@link #DEPTH} nested directories, then a text file
 * </pre>
 */
final class TestTree {
    static final String LIST = "deadbeef\t-\tidle\t42\n";
    static final String NEW_ID = "0000cafe\n";
    static final int D_ENTRIES = 300;
    static final int DEPTH = 20;
    static final Duration WAIT = Duration.ofSeconds(5);

    final Dir root = new Dir("/");
    final BlockingQueue<String> commands = new LinkedBlockingQueue<>();
    final BlockingQueue<String> commits = new LinkedBlockingQueue<>();
    final AtomicReference<String> mutable = new AtomicReference<>("first\n");
    final AtomicReference<String> alias = new AtomicReference<>("dev\n");
    final Gate events = new Gate();
    final String bigContent;

    TestTree() {
        root.add(File.text("list", () -> LIST));
        root.add(File.text("mutable", mutable::get));
        StringBuilder b = new StringBuilder();
        while (b.length() < 10000) b.append("0123456789abcdef\n");
        bigContent = b.substring(0, 10000);
        root.add(File.text("big", () -> bigContent));
        root.add(File.control("ctl", (fid, line) -> {
            if (line.equals("bogus")) throw new NinepException("unknown command: bogus");
            commands.add(line);
            return line.startsWith("new ") ? NEW_ID : null;
        }));
        root.add(File.whole("in", (fid, content) -> commits.add(new String(content, StandardCharsets.UTF_8)), null));
        root.add(File.whole("alias", (fid, content) -> alias.set(new String(content, StandardCharsets.UTF_8)), alias::get));
        root.add(new File("events", 0444, events));
        root.add(new File("whoami", 0444, new File.Behavior() {
            @Override
            public void read(Fid fid, ReadRequest r) {
                r.respondFrom(fid.peer().pid() + " " + fid.peer().uid() + "\n");
            }
        }));
        Dir d = root.add(new Dir("d"));
        for (int i = 0; i < D_ENTRIES; i++) d.add(File.text(String.format("f%03d", i), () -> "x\n"));
        Dir cur = root;
        for (int i = 0; i < DEPTH; i++) cur = cur.add(new Dir("a"));
        cur.add(File.text("leaf", () -> "deep\n"));
    }

    /** The names of the deep chain's path to its leaf: DEPTH times "a", then "leaf". */
    static List<String> deepPath() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < DEPTH; i++) names.add("a");
        names.add("leaf");
        return names;
    }

    NinepServer serve(Path socket) throws Exception {
        return serve(socket, ServerLimits.DEFAULT);
    }

    NinepServer serve(Path socket, ServerLimits limits) throws Exception {
        return NinepServer.start(socket, (principal, uname, aname) -> root, Access.sameUser(0), limits);
    }

    String nextCommand() throws InterruptedException {
        String c = commands.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (c == null) throw new AssertionError("no command ran within " + WAIT);
        return c;
    }

    String nextCommit() throws InterruptedException {
        String c = commits.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (c == null) throw new AssertionError("nothing was committed within " + WAIT);
        return c;
    }

    /**
     * A file whose reads wait until the test releases them, like a stream with nothing new yet.
     * Flushed or abandoned reads run their cancel action, which records their tag.
     */
    static final class Gate implements File.Behavior {
        private final List<ReadRequest> waiting = new CopyOnWriteArrayList<>();
        final BlockingQueue<Integer> cancelled = new LinkedBlockingQueue<>();

        @Override
        public void read(Fid fid, ReadRequest r) {
            waiting.add(r);
            r.onCancel(() -> {
                waiting.remove(r);
                cancelled.add(r.tag());
            });
        }

        int waiting() {
            return waiting.size();
        }

        /** Answers every waiting read with {@code text}; returns how many there were. */
        int release(String text) {
            int n = 0;
            for (ReadRequest r : waiting) {
                if (waiting.remove(r)) {
                    r.respond(text.getBytes(StandardCharsets.UTF_8));
                    n++;
                }
            }
            return n;
        }

        int nextCancelled() throws InterruptedException {
            Integer tag = cancelled.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (tag == null) throw new AssertionError("no read was cancelled within " + WAIT);
            return tag;
        }
    }
}
