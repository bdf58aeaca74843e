package dev.anvillm.ninep.cli;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.Namespace;
import dev.anvillm.ninep.client.NamespaceException;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.client.NinepException;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.OpenMode;
import dev.anvillm.ninep.proto.Stat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code anvillm 9p}: plan9port's {@code 9p} for the verbs read, write, ls, stat and rdwr, with
 * its flags, output, error lines, exit status (0, or 1 on any error) and the same messages on the
 * wire, so scripts written for plan9port keep working on machines without it.
 *
 * <p>Arguments are parsed the Plan 9 way (ARGBEGIN: clustered flags, {@code -Aaname} or
 * {@code -A aname}, {@code --} ends the flags). As a picocli subcommand it takes every argument
 * unparsed and does the same.
 */
@Command(name = "9p", description = "Talk to a 9P file server, like plan9port's 9p: read, write, ls, stat, rdwr.")
public final class NinepCommand implements Callable<Integer> {
    private static final String USAGE = """
            usage: 9p [-n] [-a address] [-A aname] cmd args...
            possible cmds:
            \tread name
            \twrite [-l] name
            \tstat name
            \trdwr name
            \tls [-ldnt] name
            without -a, name elem/path means /path on server unix!$ns/elem
            """;
    /** 9p's buffer: reads ask for this much, writes send what one read(2) of stdin returns. */
    private static final int BUF = 4096;

    @Unmatched
    private List<String> unparsed = new ArrayList<>();

    private final InputStream in;
    private final OutputStream out;
    private final OutputStream err;
    private final Map<String, String> env;
    /** Null until {@code ls} needs it: the default zone costs a time-zone database load at every start. */
    private Clock clock;

    private String address;
    private String aname = "";
    private boolean noauth;
    private boolean chatty;

    /** The process's stdin, stdout, stderr (unbuffered, so stdin is read one read(2) at a time) and environment. */
    public NinepCommand() {
        this(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err), Namespace.environment());
    }

    /** With the given streams and environment (NAMESPACE, USER, DISPLAY are read from it). */
    public NinepCommand(InputStream in, OutputStream out, OutputStream err, Map<String, String> env) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.env = Map.copyOf(env);
    }

    /** The clock and zone {@code ls -l} prints times with. */
    public NinepCommand withClock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public static void main(String[] args) {
        System.exit(new NinepCommand().run(args));
    }

    @Override
    public Integer call() {
        return run(unparsed.toArray(String[]::new));
    }

    /** Runs one invocation and returns its exit status. */
    public int run(String... args) {
        try {
            Flags f = new Flags(args, 0);
            for (int c; (c = f.next()) >= 0; ) {
                switch (c) {
                    case 'A' -> aname = f.value();
                    case 'a' -> address = f.value();
                    case 'n' -> noauth = true;
                    case 'D' -> chatty = true;
                    default -> throw new Usage();
                }
            }
            String[] rest = f.rest();
            if (rest.length < 1) throw new Usage();
            return switch (rest[0]) {
                case "read" -> read(rest);
                case "write" -> write(rest);
                case "stat" -> stat(rest);
                case "rdwr" -> rdwr(rest);
                case "ls" -> ls(rest);
                default -> throw new Usage();
            };
        } catch (Help h) {
            print(out, USAGE);
            return 0;
        } catch (Usage u) {
            print(err, USAGE);
            return 1;
        } catch (Fatal e) {
            print(err, "9p: " + e.getMessage() + "\n");
            return 1;
        }
    }

    // ---- verbs ------------------------------------------------------------------------------

    private int read(String[] argv) throws Usage, Help, Fatal {
        String name = oneName(argv);
        Mounted m = mount(name);
        try (NinepClient c = m.client) {
            Fid fid = xopen(c, m.path, OpenMode.OREAD);
            IOException failed = null;
            while (true) {
                byte[] data;
                try {
                    data = fid.read(BUF);
                } catch (IOException e) {
                    failed = e;
                    break;
                }
                if (data.length == 0) break;
                emit(data, data.length);
            }
            clunkQuietly(fid);
            if (failed != null) throw new Fatal("read error: " + failed.getMessage());
        }
        return 0;
    }

    private int write(String[] argv) throws Usage, Help, Fatal {
        boolean byline = false;
        Flags f = new Flags(argv, 1);
        for (int c; (c = f.next()) >= 0; ) {
            if (c == 'l') byline = true;
            else throw new Usage();
        }
        String[] rest = f.rest();
        if (rest.length != 1) throw new Usage();
        Mounted m = mount(rest[0]);
        try (NinepClient c = m.client) {
            Fid fid = xopen(c, m.path, OpenMode.OWRITE | OpenMode.OTRUNC);
            boolean did = false;
            byte[] buf = new byte[BUF];
            if (byline) {
                Lines lines = new Lines(in);
                byte[] line;
                while ((line = lines.next()) != null) {
                    int n = cstrlen(line);
                    did = true;
                    try {
                        int w = fid.write(line, 0, n);
                        if (w != n) print(err, "write: short write\n");
                    } catch (IOException e) {
                        print(err, "write: " + e.getMessage() + "\n");
                    }
                }
            } else {
                int n;
                while ((n = readStdin(buf)) > 0) {
                    did = true;
                    xwrite(fid, buf, n);
                }
            }
            if (!did) xwrite(fid, buf, 0);
            try {
                fid.clunk();
            } catch (IOException e) {
                // plan9port ignores this; a file that commits at clunk reports its error here
                throw new Fatal("write error: " + e.getMessage());
            }
        }
        return 0;
    }

    private int stat(String[] argv) throws Usage, Help, Fatal {
        String name = oneName(argv);
        Mounted m = mount(name);
        try (NinepClient c = m.client) {
            Stat d;
            try {
                d = c.stat(m.path);
            } catch (IOException e) {
                throw new Fatal("dirstat: " + e.getMessage());
            }
            print(out, DirFormat.stat(d) + "\n");
        }
        return 0;
    }

    private int rdwr(String[] argv) throws Usage, Help, Fatal {
        String name = oneName(argv);
        Lines lines = new Lines(in);
        Mounted m = mount(name);
        try (NinepClient c = m.client) {
            Fid fid = xopen(c, m.path, OpenMode.ORDWR);
            while (true) {
                fid.seek(0);
                try {
                    byte[] data = fid.read(BUF);
                    emit(data, data.length);
                    emit(new byte[] {'\n'}, 1);
                } catch (IOException e) {
                    print(err, "read: " + e.getMessage() + "\n");
                }
                byte[] line = lines.next();
                if (line == null) break;
                int n = line.length > 0 && line[line.length - 1] == '\n' ? line.length - 1 : line.length;
                n = Math.min(n, cstrlen(line));
                try {
                    // at the offset the read reached: 9p does not seek back before writing
                    int w = fid.write(line, 0, n);
                    if (w != n) print(err, "write: short write\n");
                } catch (IOException e) {
                    print(err, "write: " + e.getMessage() + "\n");
                }
            }
            clunkQuietly(fid);
        }
        return 0;
    }

    private int ls(String[] argv) throws Help, Fatal {
        boolean lflag = false, dflag = false, tflag = false, sort = true;
        Flags f = new Flags(argv, 1);
        for (int c; (c = f.next()) >= 0; ) {
            switch (c) {
                case 'l' -> lflag = true;
                case 'd' -> dflag = true;
                case 't' -> tflag = true;
                case 'n' -> sort = false;
                default -> { } // 9p's ls ignores flags it does not know
            }
        }
        String[] names = f.rest();
        if (names.length == 0) names = new String[] {"."};
        if (clock == null) clock = Clock.systemDefaultZone();
        long now = clock.instant().getEpochSecond();
        boolean errors = false;
        for (String name : names) {
            Mounted m = mount(name);
            try (NinepClient c = m.client) {
                Stat d;
                try {
                    d = c.stat(m.path);
                } catch (IOException e) {
                    print(err, "dirstat " + name + ": " + e.getMessage() + "\n");
                    errors = true;
                    continue;
                }
                if (!d.isDir() || dflag) {
                    print(out, lflag
                            ? DirFormat.mode(d.mode()) + " M 0 " + d.uid() + " " + d.gid() + " " + d.length() + " "
                            + DirFormat.time(d.mtime(), now, clock.getZone()) + " " + DirFormat.quote(d.name()) + "\n"
                            : DirFormat.quote(d.name()) + "\n");
                    continue;
                }
                Fid fid;
                try {
                    fid = c.open(m.path, OpenMode.OREAD);
                } catch (IOException e) {
                    print(err, "open " + name + ": " + e.getMessage() + "\n");
                    errors = true;
                    continue;
                }
                List<Stat> entries;
                try {
                    entries = new ArrayList<>(fid.readDir());
                } catch (IOException e) {
                    print(err, "dirreadall " + name + ": " + e.getMessage() + "\n");
                    errors = true;
                    continue;
                } finally {
                    clunkQuietly(fid);
                }
                if (sort) {
                    entries.sort(tflag ? Comparator.comparingLong(Stat::mtime)
                            : (a, b) -> Arrays.compareUnsigned(utf8(a.name()), utf8(b.name())));
                }
                printListing(entries, lflag, now);
            }
        }
        return errors ? 1 : 0;
    }

    private void printListing(List<Stat> entries, boolean lflag, long now) throws Fatal {
        int wuid = 0, wgid = 0, wlen = 0;
        for (Stat d : entries) {
            wuid = Math.max(wuid, DirFormat.utf8Length(d.uid()));
            wgid = Math.max(wgid, DirFormat.utf8Length(d.gid()));
            wlen = Math.max(wlen, Long.toString(d.length()).length());
        }
        StringBuilder b = new StringBuilder();
        for (Stat d : entries) {
            if (!lflag) {
                b.append(DirFormat.quote(d.name())).append('\n');
                continue;
            }
            b.append(DirFormat.mode(d.mode())).append(" M 0 ")
                    .append(DirFormat.pad(d.uid(), wuid, true)).append(' ')
                    .append(DirFormat.pad(d.gid(), wgid, true)).append(' ')
                    .append(DirFormat.pad(Long.toString(d.length()), wlen, false)).append(' ')
                    .append(DirFormat.time(d.mtime(), now, clock.getZone())).append(' ')
                    .append(DirFormat.quote(d.name())).append('\n');
        }
        print(out, b.toString());
    }

    // ---- plumbing ---------------------------------------------------------------------------

    private record Mounted(NinepClient client, String path) {}

    /** 9p's xparse: without -a, {@code elem/path} is {@code path} on {@code $NAMESPACE/elem}. */
    private Mounted mount(String name) throws Fatal {
        Path socket;
        String path;
        String dialError;
        if (address == null) {
            Namespace ns;
            try {
                ns = Namespace.resolve(env);
                if (ns.fromDisplay()) ns.createIfMissing().requirePrivate();
            } catch (NamespaceException e) {
                throw new Fatal("mount: " + e.getMessage());
            } catch (IOException e) {
                throw new Fatal("mount: no name space: " + e.getMessage());
            }
            Namespace.Target t = ns.locate(name);
            socket = t.socket();
            path = t.path();
            dialError = "mount: dial " + t.address() + ": ";
        } else {
            try {
                socket = Namespace.parseAddress(address);
            } catch (IllegalArgumentException e) {
                throw new Fatal("dial: " + e.getMessage());
            }
            path = name;
            dialError = "dial " + address + ": ";
        }
        NinepClient.Options o = NinepClient.Options.defaults().withAname(aname).withAuth(!noauth);
        if (chatty) o = o.withTrace(new Chatty());
        try {
            return new Mounted(NinepClient.connect(socket, o), path);
        } catch (NinepException e) {
            throw new Fatal("mount: " + e.getMessage());
        } catch (IOException e) {
            throw new Fatal(dialError + e.getMessage());
        }
    }

    private static Fid xopen(NinepClient c, String path, int mode) throws Fatal {
        try {
            return c.open(path, mode);
        } catch (IOException e) {
            throw new Fatal("fsopen " + path + ": " + e.getMessage());
        }
    }

    private static void xwrite(Fid fid, byte[] buf, int n) throws Fatal {
        int w;
        try {
            w = fid.write(buf, 0, n);
        } catch (IOException e) {
            throw new Fatal("write error: " + e.getMessage());
        }
        if (w != n) throw new Fatal("write error: short write (" + w + " of " + n + " bytes)");
    }

    private static void clunkQuietly(Fid fid) {
        try {
            fid.clunk();
        } catch (IOException e) {
            // 9p does not look at Rclunk
        }
    }

    /** One read(2) of stdin: bytes read, or 0 at EOF. */
    private int readStdin(byte[] buf) throws Fatal {
        try {
            int n = in.read(buf, 0, buf.length);
            return Math.max(n, 0);
        } catch (IOException e) {
            throw new Fatal("read error: " + e.getMessage());
        }
    }

    private void emit(byte[] data, int n) throws Fatal {
        try {
            out.write(data, 0, n);
            out.flush();
        } catch (IOException e) {
            throw new Fatal("write error: " + e.getMessage());
        }
    }

    private static void print(OutputStream s, String text) {
        synchronized (s) {
            try {
                s.write(text.getBytes(StandardCharsets.UTF_8));
                s.flush();
            } catch (IOException e) {
                // nowhere left to say it
            }
        }
    }

    private static String oneName(String[] argv) throws Usage, Help {
        Flags f = new Flags(argv, 1);
        if (f.next() >= 0) throw new Usage();
        String[] rest = f.rest();
        if (rest.length != 1) throw new Usage();
        return rest[0];
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** C's strlen: 9p hands lines to fswrite as strings, so a NUL ends them. */
    private static int cstrlen(byte[] b) {
        for (int i = 0; i < b.length; i++) if (b[i] == 0) return i;
        return b.length;
    }

    /** {@code -D}: every message, as plan9port's chatty9pclient shows them. */
    private final class Chatty implements NinepClient.Trace {
        @Override public void sent(Message m) { print(err, "<- " + m + "\n"); }
        @Override public void received(Message m) { print(err, "-> " + m + "\n"); }
    }

    /** Plan 9's ARGBEGIN/ARGEND over {@code argv[start..]}. */
    private static final class Flags {
        private final String[] argv;
        private int index;
        private String cluster;
        private int pos;
        private boolean done;

        Flags(String[] argv, int start) {
            this.argv = argv;
            this.index = start;
        }

        /** The next flag character, or -1 when the flags end. */
        int next() throws Help {
            if (cluster != null && pos < cluster.length()) {
                int c = cluster.codePointAt(pos);
                pos += Character.charCount(c);
                return c;
            }
            cluster = null;
            if (done || index >= argv.length) return -1;
            String a = argv[index];
            if (a.equals("--help")) throw new Help();
            if (!a.startsWith("-") || a.length() < 2) {
                done = true;
                return -1;
            }
            index++;
            if (a.equals("--")) {
                done = true;
                return -1;
            }
            cluster = a;
            pos = 1;
            return next();
        }

        /** EARGF: the rest of this argument, else the next argument. */
        String value() throws Usage {
            if (cluster != null && pos < cluster.length()) {
                String v = cluster.substring(pos);
                pos = cluster.length();
                return v;
            }
            if (index < argv.length) return argv[index++];
            throw new Usage();
        }

        String[] rest() {
            return Arrays.copyOfRange(argv, index, argv.length);
        }
    }

    /** Brdstr over stdin: a line with its newline, the last one maybe without, null at the end. */
    private static final class Lines {
        private final InputStream in;
        private final byte[] buf = new byte[8192];
        private int pos, end;
        private boolean eof;

        Lines(InputStream in) {
            this.in = in;
        }

        byte[] next() {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                if (pos == end) {
                    if (!eof) {
                        int n;
                        try {
                            n = in.read(buf, 0, buf.length);
                        } catch (IOException e) {
                            n = -1; // Brdstr treats a failed read as the end
                        }
                        if (n < 0) eof = true;
                        else {
                            pos = 0;
                            end = n;
                        }
                        continue;
                    }
                    return line.size() == 0 ? null : line.toByteArray();
                }
                int nl = pos;
                while (nl < end && buf[nl] != '\n') nl++;
                if (nl < end) {
                    line.write(buf, pos, nl + 1 - pos);
                    pos = nl + 1;
                    return line.toByteArray();
                }
                line.write(buf, pos, end - pos);
                pos = end;
            }
        }
    }

    private static final class Usage extends Exception {
        Usage() { super(null, null, false, false); }
    }

    private static final class Help extends Exception {
        Help() { super(null, null, false, false); }
    }

    private static final class Fatal extends Exception {
        Fatal(String message) { super(message, null, false, false); }
    }
}
