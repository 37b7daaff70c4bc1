package io.longstream.inference.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.longstream.state.cache.CacheDtype;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Test-side rewriting of safetensors files: dropping a tensor, splitting into indexed shards. */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {
    }

    static void rewriteWithout(Path file, String dropped) throws IOException {
        try (Safetensors st = Safetensors.open(file.getParent())) {
            List<TensorInfo> keep = new ArrayList<>();
            for (TensorInfo t : st.all().values()) {
                if (!t.name().equals(dropped)) {
                    keep.add(t);
                }
            }
            Path out = file.resolveSibling("rewritten.tmp");
            write(out, keep);
            Files.move(out, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes the tensors of {@code sourceDir} into {@code shards} files plus model.safetensors.index.json in dir. */
    public static void splitInto(Path sourceDir, Path dir, int shards) throws IOException {
        try (Safetensors st = Safetensors.open(sourceDir)) {
            List<TensorInfo> all = new ArrayList<>(st.all().values());
            ObjectNode weightMap = JSON.createObjectNode();
            int per = (all.size() + shards - 1) / shards;
            for (int s = 0; s < shards; s++) {
                String name = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
                List<TensorInfo> part = all.subList(s * per, Math.min(all.size(), (s + 1) * per));
                write(dir.resolve(name), part);
                part.forEach(t -> weightMap.put(t.name(), name));
            }
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata");
            index.set("weight_map", weightMap);
            JSON.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        }
    }

    /**
     * Rewrites every tensor of {@code sourceDir} into {@code out} as {@code dtype}, its values first
     * rounded to {@code rounding} (so an F32 copy and a 16-bit copy can hold identical numbers).
     */
    public static void convert(Path sourceDir, Path out, TensorDtype dtype, CacheDtype rounding) throws IOException {
        try (Safetensors st = Safetensors.open(sourceDir)) {
            ObjectNode header = JSON.createObjectNode();
            long offset = 0;
            for (TensorInfo t : st.all().values()) {
                long len = t.elements() * dtype.bytes();
                describe(header, t, dtype, offset, len);
                offset += len;
            }
            try (FileChannel ch = open(out, header)) {
                for (TensorInfo t : st.all().values()) {
                    float[] values = new float[Math.toIntExact(t.elements())];
                    st.readFloats(t, 0, values.length, values, 0);
                    ByteBuffer buf = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                    for (float v : values) {
                        float r = rounding.round(v);
                        if (dtype == TensorDtype.F32) {
                            buf.putFloat(r);
                        } else {
                            buf.putShort((dtype == TensorDtype.BF16 ? CacheDtype.BF16 : CacheDtype.F16).encode16(r));
                        }
                    }
                    ch.write(buf.flip());
                }
            }
        }
    }

    private static void describe(ObjectNode header, TensorInfo t, TensorDtype dtype, long offset, long len) {
        ObjectNode n = header.putObject(t.name());
        n.put("dtype", dtype.name());
        var shape = n.putArray("shape");
        for (long d : t.shape()) {
            shape.add(d);
        }
        n.putArray("data_offsets").add(offset).add(offset + len);
    }

    private static FileChannel open(Path out, ObjectNode header) throws IOException {
        byte[] h = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length));
        ch.write(ByteBuffer.wrap(h));
        return ch;
    }

    private static void write(Path out, List<TensorInfo> tensors) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (TensorInfo t : tensors) {
            long len = t.elements() * t.dtype().bytes();
            describe(header, t, t.dtype(), offset, len);
            offset += len;
        }
        try (FileChannel ch = open(out, header)) {
            for (TensorInfo t : tensors) {
                try (FileChannel in = FileChannel.open(t.file(), StandardOpenOption.READ)) {
                    long len = t.elements() * t.dtype().bytes();
                    long done = 0;
                    while (done < len) {
                        done += in.transferTo(t.dataStart() + done, len - done, ch);
                    }
                }
            }
        }
    }
}
