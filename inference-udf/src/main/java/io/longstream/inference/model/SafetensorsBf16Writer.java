package io.longstream.inference.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Streams bf16 tensors into one safetensors file through a reused buffer, so no tensor is ever held whole. */
final class SafetensorsBf16Writer {
    private static final int BUFFER_BYTES = 8 << 20;
    private static final short BF16_ONE = 0x3F80;

    /** A tensor to write: HF name, shape, and whether it is all ones (norms) or random normal. */
    record Tensor(String name, long[] shape, boolean ones) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    private final ObjectMapper json = new ObjectMapper();

    void write(Path file, List<Tensor> tensors, NormalBf16 normal) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(channel, header(tensors));
            ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor tensor : tensors) {
                long left = tensor.elements();
                while (left > 0) {
                    int count = (int) Math.min(left, BUFFER_BYTES / 2);
                    buffer.clear();
                    if (tensor.ones()) {
                        for (int i = 0; i < count; i++) {
                            buffer.putShort(BF16_ONE);
                        }
                    } else {
                        normal.fill(buffer, count);
                    }
                    buffer.flip();
                    writeFully(channel, buffer);
                    left -= count;
                }
            }
        }
    }

    /** The 8-byte length plus the JSON header, padded with spaces so the data starts 8-byte aligned. */
    private ByteBuffer header(List<Tensor> tensors) throws IOException {
        Map<String, Object> entries = new LinkedHashMap<>();
        entries.put("__metadata__", Map.of("format", "pt"));
        long offset = 0;
        for (Tensor tensor : tensors) {
            long end = offset + 2 * tensor.elements();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "BF16");
            entry.put("shape", tensor.shape());
            entry.put("data_offsets", new long[] {offset, end});
            entries.put(tensor.name(), entry);
            offset = end;
        }
        byte[] text = json.writeValueAsBytes(entries);
        int padded = (text.length + 7) / 8 * 8;
        ByteBuffer header = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(padded).put(text);
        while (header.hasRemaining()) {
            header.put((byte) ' ');
        }
        return header.flip();
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
