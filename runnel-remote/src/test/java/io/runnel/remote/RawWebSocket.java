package io.runnel.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A WebSocket client written against the socket, for what the JDK's client will not do: send an
 * oversize frame, never read, or open thousands of unauthenticated connections cheaply.
 */
final class RawWebSocket implements AutoCloseable {
  final Socket socket;
  final InputStream in;
  final OutputStream out;

  /** The HTTP status of the upgrade response. */
  final int status;

  RawWebSocket(int port, String bearer, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
    byte[] nonce = new byte[16];
    new SecureRandom().nextBytes(nonce);
    String req =
        "GET /v1 HTTP/1.1\r\nHost: 127.0.0.1:"
            + port
            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
            + Base64.getEncoder().encodeToString(nonce)
            + "\r\nSec-WebSocket-Version: 13\r\n"
            + (bearer == null ? "" : "Authorization: Bearer " + bearer + "\r\n")
            + "\r\n";
    out.write(req.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String head = readHead();
    status = Integer.parseInt(head.split(" ")[1]);
  }

  private String readHead() throws IOException {
    StringBuilder sb = new StringBuilder();
    while (!sb.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("eof in the upgrade response: " + sb);
      }
      sb.append((char) b);
    }
    return sb.toString();
  }

  /** Sends one masked text frame. */
  void sendText(String text) throws IOException {
    sendFrame(0x81, text.getBytes(StandardCharsets.UTF_8));
  }

  void sendFrame(int opcodeByte, byte[] payload) throws IOException {
    int len = payload.length;
    java.io.ByteArrayOutputStream f = new java.io.ByteArrayOutputStream();
    f.write(opcodeByte);
    if (len < 126) {
      f.write(0x80 | len);
    } else if (len < 65536) {
      f.write(0x80 | 126);
      f.write(len >>> 8);
      f.write(len);
    } else {
      f.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        f.write((int) ((long) len >>> (8 * i)));
      }
    }
    byte[] mask = {1, 2, 3, 4};
    f.write(mask);
    for (int i = 0; i < len; i++) {
      f.write(payload[i] ^ mask[i & 3]);
    }
    out.write(f.toByteArray());
    out.flush();
  }

  /** Reads frames until a close frame; returns its code and reason ("eof" if the socket ended). */
  String readUntilClose() throws IOException {
    while (true) {
      int b0 = in.read();
      if (b0 < 0) {
        return "eof";
      }
      int b1 = in.read();
      long len = b1 & 0x7f;
      if (len == 126) {
        len = (in.read() << 8) | in.read();
      } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++) {
          len = (len << 8) | in.read();
        }
      }
      byte[] payload = in.readNBytes((int) len);
      if ((b0 & 0x0f) == 0x8) {
        int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        String reason =
            payload.length > 2
                ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8)
                : "";
        return code + " " + reason;
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
