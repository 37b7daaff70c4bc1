package io.longstream.bench.jlama;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The peer's command line; plain parsing keeps the peer free of a CLI library. */
record PeerOptions(Path model, int threads, List<Integer> prefill, List<Integer> decodeContexts,
                   int decodeTokens, int warmup) {

    static PeerOptions parse(String[] args) {
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("expected --option value pairs, got " + Arrays.toString(args));
        }
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            values.put(args[i], args[i + 1]);
        }
        PeerOptions options = new PeerOptions(
                Path.of(required(values, "--model")),
                Integer.parseInt(values.getOrDefault("--threads", "2")),
                intList(values.getOrDefault("--prefill", "512,2048")),
                intList(values.getOrDefault("--decode-context", "1024,4096")),
                Integer.parseInt(values.getOrDefault("--decode-tokens", "16")),
                Integer.parseInt(values.getOrDefault("--warmup", "1")));
        values.keySet().removeAll(List.of("--model", "--threads", "--prefill", "--decode-context",
                "--decode-tokens", "--warmup"));
        if (!values.isEmpty()) {
            throw new IllegalArgumentException("unknown options " + values.keySet());
        }
        return options;
    }

    private static String required(Map<String, String> values, String name) {
        String value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing " + name);
        }
        return value;
    }

    private static List<Integer> intList(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).map(Integer::valueOf).toList();
    }
}
