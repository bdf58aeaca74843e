package dev.anvillm.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, every header as given (a browser's Sec-Fetch-Site and Origin,
 * a forged Host): what a hostile page or a rebinding DNS name makes a browser send.
 */
final class RawHttp {
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawHttp() {}

    /** {@code headers} alternate name, value; a Host header is added unless given. */
    static Response send(int port, String method, String path, String body, String... headers) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            StringBuilder req = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
            boolean host = false;
            for (int i = 0; i < headers.length; i += 2) {
                host |= headers[i].equalsIgnoreCase("Host");
                req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            if (!host) req.append("Host: 127.0.0.1:").append(port).append("\r\n");
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            if (body != null) req.append("Content-Length: ").append(b.length).append("\r\n");
            req.append("Connection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.write(b);
            out.flush();
            return read(s.getInputStream());
        }
    }

    private static Response read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        String text = all.toString(StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        String rest = end < 0 ? "" : text.substring(end + 4);
        List<String> lines = head.lines().toList();
        int status = Integer.parseInt(lines.getFirst().split(" ")[1]);
        Map<String, String> h = new LinkedHashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            int c = l.indexOf(':');
            if (c > 0) h.merge(l.substring(0, c).strip().toLowerCase(Locale.ROOT), l.substring(c + 1).strip(), (a, x) -> a + "\n" + x);
        }
        if ("chunked".equalsIgnoreCase(h.get("transfer-encoding"))) rest = unchunk(rest);
        return new Response(status, h, rest);
    }

    private static String unchunk(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int nl = s.indexOf("\r\n", i);
            if (nl < 0) break;
            int n = Integer.parseInt(s.substring(i, nl).split(";")[0].strip(), 16);
            if (n == 0) break;
            out.append(s, nl + 2, nl + 2 + n);
            i = nl + 2 + n + 2;
        }
        return out.toString();
    }
}
