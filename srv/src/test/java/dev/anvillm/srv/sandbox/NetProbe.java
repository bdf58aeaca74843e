package dev.anvillm.srv.sandbox;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Run inside a sandbox by the tests: {@code connect HOST PORT} or {@code bind HOST PORT}. Prints
 * {@code ok} and exits 0, or prints {@code denied: <why>} and exits 1.
 */
public final class NetProbe {
    public static void main(String[] args) {
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        try {
            if (args[0].equals("connect")) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, port), 5000);
                }
            } else {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(host, port));
                }
            }
            System.out.println("ok");
        } catch (IOException e) {
            System.out.println("denied: " + e.getMessage());
            System.exit(1);
        }
    }
}
