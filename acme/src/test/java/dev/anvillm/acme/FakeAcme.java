package dev.anvillm.acme;

import dev.anvillm.ninep.server.ClunkRequest;
import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.ninep.server.NinepServer;
import dev.anvillm.ninep.server.ReadRequest;
import dev.anvillm.ninep.server.ServerLimits;
import dev.anvillm.ninep.server.WriteRequest;
import dev.anvillm.ninep.tree.Dir;
import dev.anvillm.ninep.tree.Entry;
import dev.anvillm.ninep.tree.File;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

/**
 * A fake of Acme's file server, acme(4), on the project's ninep framework: {@code index},
 * {@code new/} (walking into it makes a window) and {@code <id>/ctl addr data body tag event}
 * with Acme's semantics for what Assist uses — rune addresses, data at addr, appending body and
 * tag writes, the selection moved by edits as Acme moves it, and the event file's messages,
 * which the test synthesizes as a user's clicks would. Events written back are recorded
 * (a written-back {@code Del} deletes the window, as Acme would).
 */
final class FakeAcme implements AutoCloseable {
    private final Map<Integer, Window> windows = new ConcurrentSkipListMap<>();
    private final Dir root;
    private final NinepServer server;
    private int nextId = 1;

    private FakeAcme(Path socket) throws IOException {
        root = new Dir("/", 0555, new Dir.Children() {
            @Override
            public Entry lookup(String name, Fid fid) {
                try {
                    Window w = windows.get(Integer.parseInt(name));
                    return w == null ? null : w.dir;
                } catch (NumberFormatException e) {
                    return null;
                }
            }

            @Override
            public List<? extends Entry> list(Fid fid) {
                return windows.values().stream().map(w -> w.dir).toList();
            }
        });
        root.add(File.text("index", this::index));
        root.add(new Dir("new", 0555, new Dir.Children() {
            @Override
            public Entry lookup(String name, Fid fid) {
                return (Entry) newWindow().dir.walk(name, fid);
            }

            @Override
            public List<? extends Entry> list(Fid fid) {
                return List.of();
            }
        }));
        server = NinepServer.start(socket, (principal, uname, aname) -> root, peer -> peer, ServerLimits.DEFAULT);
    }

    /** Serves a fake acme on {@code socket} (the name space's {@code acme}). */
    static FakeAcme serve(Path socket) throws IOException {
        return new FakeAcme(socket);
    }

    private synchronized Window newWindow() {
        Window w = new Window(nextId++);
        root.adopt(w.dir);
        windows.put(w.id, w);
        return w;
    }

    private String index() {
        StringBuilder b = new StringBuilder();
        for (Window w : windows.values()) b.append(w.ctlLine()).append(w.tag()).append('\n');
        return b.toString();
    }

    /** The window named {@code name} now, or null. */
    Window window(String name) {
        for (Window w : windows.values()) {
            if (w.name().equals(name)) return w;
        }
        return null;
    }

    List<String> names() {
        return windows.values().stream().map(Window::name).toList();
    }

    @Override
    public void close() {
        server.close();
    }

    /** One window: its text, addresses, and event stream. All state is guarded by the window. */
    final class Window {
        final int id;
        final Dir dir;
        /** Events written back by the program, as {@code c1c2q0 q1}. */
        final BlockingQueue<String> handedBack = new LinkedBlockingQueue<>();
        /** Every ctl message the program wrote. */
        final BlockingQueue<String> ctlMessages = new LinkedBlockingQueue<>();
        private String name = "";
        private String body = "";
        private String userTag = "";
        private int addr0, addr1, dot0, dot1;
        /** The first rune shown: the scroll position. */
        private int org;
        private boolean dirty;
        private boolean deleted;
        private final ByteArrayOutputStream events = new ByteArrayOutputStream();
        private final List<ReadRequest> readers = new ArrayList<>();

        Window(int id) {
            this.id = id;
            dir = new Dir(String.valueOf(id), 0555, null);
            dir.add(File.control("ctl", (fid, line) -> {
                ctl(line);
                return null;
            }, this::ctlLine));
            dir.add(new File("addr", 0600, new Behavior() {
                @Override
                public void read(Fid fid, ReadRequest r) {
                    r.respondFrom(call(() -> String.format("%11d %11d ", addr0, addr1)));
                }

                @Override
                public void write(Fid fid, WriteRequest r) {
                    synchronized (Window.this) {
                        int[] a = address(new String(r.data(), StandardCharsets.UTF_8).strip());
                        if (a == null) {
                            r.error("bad address");
                            return;
                        }
                        addr0 = a[0];
                        addr1 = a[1];
                    }
                    r.respond();
                }
            }));
            dir.add(new File("data", 0600, new Behavior() {
                @Override
                public void read(Fid fid, ReadRequest r) {
                    synchronized (Window.this) {
                        String rest = Edit.from(body, addr0);
                        StringBuilder out = new StringBuilder();
                        int bytes = 0;
                        int runes = 0;
                        for (int cp : (Iterable<Integer>) rest.codePoints()::iterator) {
                            int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                            if (bytes + n > r.count()) break;
                            out.appendCodePoint(cp);
                            bytes += n;
                            runes++;
                        }
                        addr0 += runes;
                        addr1 = addr0;
                        r.respond(out.toString().getBytes(StandardCharsets.UTF_8));
                    }
                }

                @Override
                public void write(Fid fid, WriteRequest r) {
                    synchronized (Window.this) {
                        String text = new String(r.data(), StandardCharsets.UTF_8);
                        edit(addr0, addr1, text);
                        addr0 += Edit.runes(text);
                        addr1 = addr0;
                    }
                    r.respond();
                }
            }));
            dir.add(new File("body", 0600, new Behavior() {
                @Override
                public void read(Fid fid, ReadRequest r) {
                    r.respondFrom(call(() -> body));
                }

                @Override
                public void write(Fid fid, WriteRequest r) {
                    synchronized (Window.this) {
                        int end = Edit.runes(body);
                        edit(end, end, new String(r.data(), StandardCharsets.UTF_8));
                    }
                    r.respond();
                }
            }));
            dir.add(new File("tag", 0600, new Behavior() {
                @Override
                public void read(Fid fid, ReadRequest r) {
                    r.respondFrom(call(Window.this::tag));
                }

                @Override
                public void write(Fid fid, WriteRequest r) {
                    synchronized (Window.this) {
                        userTag += new String(r.data(), StandardCharsets.UTF_8).replace("\n", " ");
                    }
                    r.respond();
                }
            }));
            dir.add(new File("event", 0600, new Behavior() {
                @Override
                public void read(Fid fid, ReadRequest r) {
                    synchronized (Window.this) {
                        if (deleted) {
                            r.error("window deleted");
                            return;
                        }
                        readers.add(r);
                        r.onCancel(() -> {
                            synchronized (Window.this) {
                                readers.remove(r);
                            }
                        });
                        serve();
                    }
                }

                @Override
                public void write(Fid fid, WriteRequest r) {
                    for (String line : new String(r.data(), StandardCharsets.UTF_8).split("\n")) {
                        if (line.isBlank()) continue;
                        handedBack.add(line);
                        applyHandedBack(line);
                    }
                    r.respond();
                }
            }));
        }

        private <T> T call(Supplier<T> s) {
            synchronized (this) {
                return s.get();
            }
        }

        synchronized String name() {
            return name;
        }

        synchronized String body() {
            return body;
        }

        synchronized String tag() {
            return name + " Del Snarf | " + userTag;
        }

        synchronized boolean deleted() {
            return deleted;
        }

        synchronized boolean dirty() {
            return dirty;
        }

        /** The selected text. */
        synchronized String selection() {
            return Edit.from(body, dot0).substring(0, Edit.from(body, dot0).offsetByCodePoints(0, dot1 - dot0));
        }

        synchronized String ctlLine() {
            return String.format("%11d %11d %11d %11d %11d ", id, Edit.runes(tag()), Edit.runes(body), 0, dirty ? 1 : 0);
        }

        private synchronized void ctl(String line) throws NinepException {
            ctlMessages.add(line);
            String word = line.split(" ", 2)[0];
            String arg = line.length() > word.length() ? line.substring(word.length() + 1) : "";
            switch (word) {
                case "name" -> name = arg;
                case "clean" -> dirty = false;
                case "dirty" -> dirty = true;
                case "cleartag" -> userTag = "";
                case "dot=addr" -> {
                    dot0 = addr0;
                    dot1 = addr1;
                }
                case "addr=dot" -> {
                    addr0 = dot0;
                    addr1 = dot1;
                }
                case "del", "delete" -> delete();
                case "get" -> {
                    try {
                        Path p = Path.of(name);
                        edit(0, Edit.runes(body), Files.isRegularFile(p) ? Files.readString(p) : "");
                        dirty = false;
                    } catch (IOException e) {
                        throw new NinepException(e.getMessage());
                    }
                }
                case "show", "mark", "nomark", "scroll", "noscroll", "put", "limit=addr", "dump", "dumpdir" -> { }
                default -> throw new NinepException("bad control message " + word);
            }
        }

        /** Replaces runes q0..q1 of the body, moving the selection as Acme's textdelete and textinsert do. */
        private void edit(int q0, int q1, String text) {
            int n = Edit.runes(body);
            q0 = Math.min(q0, n);
            q1 = Math.max(q0, Math.min(q1, n));
            body = body.substring(0, body.offsetByCodePoints(0, q0)) + text + Edit.from(body, q1);
            int del = q1 - q0;
            dot0 = dot0 <= q0 ? dot0 : dot0 >= q1 ? dot0 - del : q0;
            dot1 = dot1 <= q0 ? dot1 : dot1 >= q1 ? dot1 - del : q0;
            org = org <= q0 ? org : org >= q1 ? org - del : q0;
            int ins = Edit.runes(text);
            if (q0 < dot1) dot1 += ins;
            if (q0 < dot0) dot0 += ins;
            if (q0 < org) org += ins;
            dirty = true;
        }

        /** An address of the form Assist writes: {@code #m}, {@code #m,#n}, {@code ,}, {@code $}, {@code 0}. */
        private int[] address(String a) {
            int n = Edit.runes(body);
            if (a.equals(",")) return new int[] {0, n};
            String[] parts = a.split(",", -1);
            int[] first = simple(parts[0], 0, n);
            int[] last = parts.length > 1 ? simple(parts[1], n, n) : first;
            if (first == null || last == null || first[0] > last[1]) return null;
            return new int[] {first[0], last[1]};
        }

        private static int[] simple(String s, int empty, int n) {
            if (s.isEmpty()) return new int[] {empty, empty};
            if (s.equals("$")) return new int[] {n, n};
            if (!s.startsWith("#")) return s.equals("0") ? new int[] {0, 0} : null;
            int q = Integer.parseInt(s.substring(1));
            return q > n ? null : new int[] {q, q};
        }

        private void applyHandedBack(String line) {
            String[] f = line.substring(2).split(" ");
            int q0 = Integer.parseInt(f[0]);
            int q1 = Integer.parseInt(f[1]);
            synchronized (this) {
                String src = Character.isLowerCase(line.charAt(1)) ? tag() : body;
                String text = Edit.from(src, q0);
                text = text.substring(0, text.offsetByCodePoints(0, Math.min(q1 - q0, Edit.runes(text))));
                if (line.charAt(1) == 'x' && (text.equals("Del") || text.equals("Delete"))) delete();
            }
        }

        private void delete() {
            deleted = true;
            windows.remove(id);
            for (ReadRequest r : List.copyOf(readers)) r.error("window deleted");
            readers.clear();
        }

        private void serve() {
            while (!readers.isEmpty() && events.size() > 0) {
                ReadRequest r = readers.removeFirst();
                byte[] all = events.toByteArray();
                int n = Math.min(all.length, r.count());
                events.reset();
                events.write(all, n, all.length - n);
                byte[] out = new byte[n];
                System.arraycopy(all, 0, out, 0, n);
                r.respond(out);
            }
        }

        private synchronized void emit(char c1, char c2, int q0, int q1, int flag, String text) {
            int n = Edit.runes(text);
            String shown = n >= 256 ? "" : text;
            String msg = "" + c1 + c2 + q0 + " " + q1 + " " + flag + " " + (n >= 256 ? 0 : n) + " " + shown + "\n";
            events.writeBytes(msg.getBytes(StandardCharsets.UTF_8));
            serve();
        }

        // ---- what a user does -------------------------------------------------------------

        /** Button 2 on {@code text} in the body (its first occurrence). */
        void b2(String text) {
            int[] at = find(body(), text);
            emit('M', 'X', at[0], at[1], 0, text);
        }

        /** Button 2 on {@code text} in the tag. */
        void b2Tag(String text) {
            int[] at = find(tag(), text);
            emit('M', 'x', at[0], at[1], 0, text);
        }

        /** Types {@code text} at the end of the tag, then sweeps it with button 2. */
        void runInTag(String text) {
            synchronized (this) {
                userTag += " " + text;
            }
            int[] at = find(tag(), " " + text);
            emit('M', 'x', at[0] + 1, at[1], 0, text);
        }

        /** Button 3 on {@code text} in the body. */
        void b3(String text) {
            int[] at = find(body(), text);
            emit('M', 'L', at[0], at[1], 0, text);
        }

        /** A 2-1 chord: button 2 on {@code command} in the body with {@code argument} selected. */
        void chord(String command, String argument) {
            int[] at = find(body(), command);
            synchronized (this) {
                emit('M', 'X', at[0], at[1], AcmeEvent.CHORDED, command);
                emit('M', 'X', 0, 0, 0, argument);
                emit('M', 'X', 0, 0, 0, "/elsewhere:#0,#" + Edit.runes(argument));
            }
        }

        /** Selects {@code text} in the body, as a button 1 sweep. */
        synchronized void select(String text) {
            int[] at = find(body, text);
            dot0 = at[0];
            dot1 = at[1];
        }

        /** Scrolls so that the line holding {@code text} is the first shown. */
        synchronized void scrollTo(String text) {
            int q = find(body, text)[0];
            org = Edit.lineSpan(body, Edit.lineAt(body, q))[0];
        }

        /** The first line shown. */
        synchronized String topLine() {
            return Edit.from(body, org).lines().findFirst().orElse("");
        }

        /** Selects {@code old} in the body and types {@code text} over it. */
        void replaceText(String old, String text) {
            int[] at;
            synchronized (this) {
                at = find(body, old);
                edit(at[0], at[1], text);
            }
            emit('K', 'D', at[0], at[1], 0, "");
            emit('K', 'I', at[0], at[0] + Edit.runes(text), 0, text);
        }

        /** Types {@code text} at the end of the body. */
        void type(String text) {
            int end;
            synchronized (this) {
                end = Edit.runes(body);
                edit(end, end, text);
            }
            emit('K', 'I', end, end + Edit.runes(text), 0, text);
        }

        private static int[] find(String in, String text) {
            int i = in.indexOf(text);
            if (i < 0) throw new AssertionError("no '" + text + "' in: " + in);
            int q0 = in.codePointCount(0, i);
            return new int[] {q0, q0 + Edit.runes(text)};
        }
    }

    /** What a file of a window does (the synthetic tree's handlers). */
    private interface Behavior extends File.Behavior {
        @Override
        default void clunk(Fid fid, ClunkRequest r) {
            r.respond();
        }
    }
}
