package dev.anvillm.web;

import dev.anvillm.client.AgentClient;
import dev.anvillm.ninep.client.Namespace;
import dev.anvillm.ninep.client.NamespaceException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** {@code anvilweb}: the web UI, and {@code anvilweb url}. */
public final class Main {
    static final String DEFAULT_ADDR = "127.0.0.1:8080";
    private static final String USAGE = """
            Usage: anvilweb [--addr HOST:PORT] [--read-only]
                   anvilweb url

            Serves the web UI of the daemon's sessions on HOST:PORT (default 127.0.0.1:8080; port 0
            picks a free one) and prints the URL to open: it holds a token made at start, which the
            first visit trades for a cookie. Scripts send it as "Authorization: Bearer <token>".

              --addr HOST:PORT  the address to serve on (loopback unless you mean otherwise; no TLS)
              --read-only       show everything, change nothing (what changes is refused with 403)
              url               print the running anvilweb's URL again
              --help            show this help

            The URL is kept, readable only by you, in the name space directory ($NAMESPACE, else
            /tmp/ns.$USER.$DISPLAY) as anvilweb.url; the daemon is found there too (anvilsrv start).
            """;

    private Main() {}

    record Address(String host, int port) {}

    public static void main(String[] args) {
        String addr = DEFAULT_ADDR;
        boolean readOnly = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help", "-help", "help" -> {
                    System.out.print(USAGE);
                    System.exit(0);
                }
                case "--read-only", "-read-only" -> readOnly = true;
                case "--addr", "-addr" -> {
                    if (i + 1 >= args.length) fail(2, a + " needs HOST:PORT (e.g. " + DEFAULT_ADDR + ")");
                    addr = args[++i];
                }
                case "url" -> {
                    if (args.length != 1) fail(2, "url takes no arguments");
                    printUrl();
                    return;
                }
                default -> {
                    if (a.startsWith("--addr=") || a.startsWith("-addr=")) addr = a.substring(a.indexOf('=') + 1);
                    else fail(2, "unknown argument '" + a + "'; see anvilweb --help");
                }
            }
        }
        Address address = null;
        try {
            address = parseAddress(addr);
        } catch (IllegalArgumentException e) {
            fail(2, e.getMessage());
        }
        serve(address, readOnly);
    }

    /** {@code host:port} or {@code [v6]:port}; a wildcard address is refused, since Host is checked against the address. */
    static Address parseAddress(String addr) {
        int colon = addr.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("bad address '" + addr + "': give HOST:PORT, e.g. " + DEFAULT_ADDR);
        String host = addr.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(addr.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("bad port in '" + addr + "': 0-65535 (0 picks a free one)");
        if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
            throw new IllegalArgumentException("anvilweb serves one address, not all of them (" + addr + "): name it, e.g. " + DEFAULT_ADDR);
        }
        if (!host.matches("[A-Za-z0-9.:-]+")) throw new IllegalArgumentException("bad host in '" + addr + "'");
        return new Address(host, port);
    }

    private static void serve(Address address, boolean readOnly) {
        Namespace ns;
        try {
            ns = Namespace.resolve();
        } catch (NamespaceException e) {
            fail(1, e.getMessage());
            return;
        }
        if (!loopback(address.host())) {
            System.err.println("anvilweb: warning: " + address.host() + " is not a loopback address: whoever reaches it with the token"
                    + " drives your agents, in clear text (no TLS)");
        }
        Path socket = ns.socket("agent");
        try (ServerSocket probe = new ServerSocket(address.port(), 1, InetAddress.getByName(address.host()))) {
            // said here in one line, before the server would log its own failure at length
        } catch (IOException e) {
            fail(1, "cannot serve on " + address.host() + ":" + address.port() + ": " + e.getMessage() + "; choose another with --addr");
        }
        WebServer web;
        try {
            web = WebServer.start(address.host(), address.port(), Guard.newToken(), readOnly, new AgentClient(socket));
        } catch (RuntimeException e) {
            fail(1, "cannot serve on " + address.host() + ":" + address.port() + ": " + rootMessage(e) + "; choose another with --addr");
            return;
        }
        String url = web.url();
        Path file;
        try {
            file = UrlFile.write(ns, url);
        } catch (IOException e) {
            web.close();
            fail(1, "cannot keep the URL in " + UrlFile.path(ns) + ": " + e.getMessage());
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            UrlFile.removeIfOurs(ns, url);
            web.close();
            done.countDown();
        }, "anvilweb stop"));
        System.out.println(url);
        System.err.println("anvilweb: serving " + (readOnly ? "read-only " : "") + "on " + address.host() + ":" + web.port()
                + " for the daemon on " + socket + "; open the URL above (anvilweb url prints it again; kept in " + file + ")");
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void printUrl() {
        try {
            System.out.println(UrlFile.read(Namespace.resolve()));
        } catch (IOException e) {
            fail(1, e.getMessage());
        }
    }

    static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static void fail(int code, String message) {
        System.err.println("anvilweb: " + message);
        System.exit(code);
    }
}
