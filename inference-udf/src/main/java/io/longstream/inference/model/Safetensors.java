package io.longstream.inference.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longstream.state.cache.CacheDtype;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The tensors of a model folder: {@code model.safetensors}, or the shards named by
 * {@code model.safetensors.index.json}. Headers are validated when opened; data is read on demand,
 * in the file's dtype.
 */
public final class Safetensors implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final int READ_BUFFER_BYTES = 8 << 20;

    private final Path dir;
    private final Map<String, TensorInfo> tensors;
    private final Map<Path, FileChannel> channels = new HashMap<>();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);

    private Safetensors(Path dir, Map<String, TensorInfo> tensors) {
        this.dir = dir;
        this.tensors = tensors;
    }

    public static Safetensors open(Path dir) {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        if (Files.isRegularFile(single)) {
            readHeader(single, tensors);
        } else if (Files.isRegularFile(index)) {
            for (Path shard : shardsOf(index)) {
                readHeader(shard, tensors);
            }
        } else {
            throw new ModelFormatException("no model.safetensors or model.safetensors.index.json in " + dir);
        }
        return new Safetensors(dir, tensors);
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelFormatException("missing tensor '" + name + "' in " + dir);
        }
        return info;
    }

    public Map<String, TensorInfo> all() {
        return Collections.unmodifiableMap(tensors);
    }

    /** Reads {@code count} 16-bit elements (BF16 or F16 tensors) starting at element {@code first}. */
    public void read16(TensorInfo t, long first, int count, short[] dst, int offset) {
        if (t.dtype().bytes() != 2) {
            throw new IllegalArgumentException(t + " is not a 16-bit tensor");
        }
        readElements(t, first, count, (buf, n, at) -> buf.asShortBuffer().get(dst, offset + at, n));
    }

    /** Reads {@code count} elements starting at {@code first} as floats, widening 16-bit types exactly. */
    public void readFloats(TensorInfo t, long first, int count, float[] dst, int offset) {
        TensorDtype dtype = t.dtype();
        readElements(t, first, count, (buf, n, at) -> {
            if (dtype == TensorDtype.F32) {
                buf.asFloatBuffer().get(dst, offset + at, n);
                return;
            }
            for (int i = 0; i < n; i++) {
                short code = buf.getShort(i * 2);
                dst[offset + at + i] = dtype == TensorDtype.BF16
                        ? CacheDtype.bf16ToFloat(code)
                        : CacheDtype.f16ToFloat(code);
            }
        });
    }

    /** Consumes {@code n} elements that sit at the start of {@code buf}, destined for index {@code at}. */
    private interface Sink {
        void accept(ByteBuffer buf, int n, int at);
    }

    private synchronized void readElements(TensorInfo t, long first, int count, Sink sink) {
        int width = t.dtype().bytes();
        if (first < 0 || count < 0 || first + count > t.elements()) {
            throw new IndexOutOfBoundsException("elements [" + first + ", " + (first + count) + ") of " + t);
        }
        FileChannel channel = channel(t.file());
        int perRead = READ_BUFFER_BYTES / width;
        int done = 0;
        try {
            while (done < count) {
                int n = Math.min(perRead, count - done);
                buffer.clear().limit(n * width);
                long position = t.dataStart() + (first + done) * width;
                while (buffer.hasRemaining()) {
                    int r = channel.read(buffer, position + buffer.position());
                    if (r < 0) {
                        throw new ModelFormatException("truncated safetensors file " + t.file() + ": " + t.name()
                                + " ends past the end of the file");
                    }
                }
                buffer.flip();
                sink.accept(buffer.slice().order(ByteOrder.LITTLE_ENDIAN), n, done);
                done += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + t.name() + " from " + t.file(), e);
        }
    }

    private FileChannel channel(Path file) {
        return channels.computeIfAbsent(file, f -> {
            try {
                return FileChannel.open(f, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new UncheckedIOException("opening " + f, e);
            }
        });
    }

    @Override
    public synchronized void close() {
        for (FileChannel c : channels.values()) {
            try {
                c.close();
            } catch (IOException ignored) {
                // read-only channel: nothing to lose on a failed close
            }
        }
        channels.clear();
    }

    private static Iterable<Path> shardsOf(Path index) {
        try {
            JsonNode map = JSON.readTree(index.toFile()).get("weight_map");
            if (map == null || !map.isObject()) {
                throw new ModelFormatException(index + " has no 'weight_map' object");
            }
            TreeSet<Path> shards = new TreeSet<>();
            map.fields().forEachRemaining(e -> shards.add(index.resolveSibling(e.getValue().asText())));
            for (Path shard : shards) {
                if (!Files.isRegularFile(shard)) {
                    throw new ModelFormatException("shard " + shard.getFileName() + " named in " + index + " does not exist");
                }
            }
            return shards;
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + index + ": " + e.getMessage(), e);
        }
    }

    private static void readHeader(Path file, Map<String, TensorInfo> into) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize < 8) {
                throw new ModelFormatException("truncated safetensors file " + file + ": " + fileSize
                        + " bytes, too short for the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > fileSize - 8) {
                throw new ModelFormatException("corrupted safetensors header in " + file + ": header length " + headerLen
                        + " does not fit a file of " + fileSize + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new ModelFormatException("corrupted safetensors header in " + file + ": not valid JSON ("
                        + e.getOriginalMessage() + ")", e);
            }
            if (root == null || !root.isObject()) {
                throw new ModelFormatException("corrupted safetensors header in " + file + ": not a JSON object");
            }
            long dataStart = 8 + headerLen;
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().equals("__metadata__")) {
                    into.put(e.getKey(), tensorInfo(file, fileSize, dataStart, e.getKey(), e.getValue()));
                }
            }
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static TensorInfo tensorInfo(Path file, long fileSize, long dataStart, String name, JsonNode node) {
        String where = "tensor '" + name + "' in " + file;
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || !shapeNode.isArray() || offsets == null || offsets.size() != 2) {
            throw new ModelFormatException("corrupted safetensors header: " + where + " lacks dtype, shape or data_offsets");
        }
        TensorDtype dtype = TensorDtype.fromHeader(dtypeNode.asText());
        if (dtype == null) {
            throw new ModelFormatException("unsupported dtype " + dtypeNode.asText() + " of " + where
                    + " (supported: F32, BF16, F16)");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 0) {
                throw new ModelFormatException("corrupted safetensors header: " + where + " has a bad shape " + shapeNode);
            }
            elements *= shape[i];
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin || end - begin != elements * dtype.bytes()) {
            throw new ModelFormatException("corrupted safetensors header: " + where + " has data_offsets " + offsets
                    + " that do not hold " + elements + " " + dtype + " elements");
        }
        if (dataStart + end > fileSize) {
            throw new ModelFormatException("truncated safetensors file " + file + ": " + where.substring(0, where.indexOf(" in "))
                    + " ends at byte " + (dataStart + end) + " but the file has " + fileSize + " bytes");
        }
        return new TensorInfo(name, dtype, shape, file, dataStart + begin);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }
}
